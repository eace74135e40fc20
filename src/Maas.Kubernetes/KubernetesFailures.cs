using System.Net;
using k8s.Autorest;
using Maas.ApiKeys;

namespace Maas.Kubernetes;

/// <summary>Classifies what the API server answered, and turns outages into the 503 hosts already give for an unreachable store.</summary>
internal static class KubernetesFailures
{
    public static bool Is(Exception exception, HttpStatusCode status) =>
        exception is HttpOperationException { Response.StatusCode: var code } && code == status;

    /// <summary>
    /// True for what a caller cannot fix and a retry later may: the API server unreachable, timing
    /// out, answering 5xx or 429, or refusing Maas (403: its RBAC is wrong, which the log says).
    /// </summary>
    public static bool IsUnavailable(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        HttpRequestException => true,
        TaskCanceledException or TimeoutException => !cancellationToken.IsCancellationRequested,
        HttpOperationException { Response.StatusCode: var code } => (int)code >= 500 || code is HttpStatusCode.TooManyRequests or HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized,
        _ => false,
    };

    public static StoreUnavailableException Unavailable(string what, Exception cause) =>
        new($"The Kubernetes API server could not {what} ({Describe(cause)}).", cause) { Service = "Kubernetes API server" };

    /// <summary>A short description of a failure: the HTTP status or the exception type, never a request or a token.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        HttpOperationException { Response.StatusCode: var code } => $"HTTP {(int)code} {code}",
        _ => exception.GetType().Name,
    };
}
