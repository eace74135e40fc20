using System.Security.Authentication;
using k8s;
using k8s.Autorest;
using k8s.Exceptions;

namespace Maas.Kubernetes;

/// <summary>
/// Where a host finds the Kubernetes API server, and whether it answers: what a host that switches
/// on a Kubernetes feature does before anything else, so a missing configuration or an API server
/// that cannot be reached is one line naming it rather than a failure deep inside a feature.
/// </summary>
public static class KubernetesApiServer
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The pod's in-cluster configuration when <paramref name="environment"/> has <c>KUBERNETES_SERVICE_HOST</c>
    /// (the kubelet's) and the account token is mounted, else the kubeconfig (<c>KUBECONFIG</c>, else <c>~/.kube/config</c>).
    /// </summary>
    /// <param name="environment">Reads an environment variable (the host's, which tests control).</param>
    /// <returns>The configuration, for <c>UseKubernetes</c>.</returns>
    /// <exception cref="KubernetesApiServerException">Not in a pod, and no usable kubeconfig.</exception>
    public static KubernetesClientConfiguration LoadConfiguration(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        try
        {
            return environment("KUBERNETES_SERVICE_HOST") is { Length: > 0 } && KubernetesClientConfiguration.IsInCluster()
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile(environment("KUBECONFIG") is { Length: > 0 } path ? path : null);
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            throw new KubernetesApiServerException($"not in a pod, and no usable kubeconfig (KUBECONFIG): {ex.Message.ReplaceLineEndings(" ")}", ex);
        }
    }

    /// <summary>Asks the API server for its version, within 15 seconds: a wrong address, certificate or token fails here.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="time">The clock of the timeout.</param>
    /// <param name="cancellationToken">Cancels the check (start-up abandoned).</param>
    /// <returns>A task that completes when the API server answered.</returns>
    /// <exception cref="KubernetesApiServerException">The API server cannot be reached or refuses the client (the message names it and the HTTP status or failure, on one line).</exception>
    public static async Task CheckAsync(IKubernetes client, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(time);
        using var timeout = new CancellationTokenSource(CheckTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await client.Version.GetCodeAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested
            && ex is HttpRequestException or HttpOperationException or OperationCanceledException or IOException or AuthenticationException)
        {
            var host = client.BaseUri?.ToString().TrimEnd('/');
            throw new KubernetesApiServerException($"the Kubernetes API server {host} cannot be reached or refuses Maas ({KubernetesFailures.Describe(ex)})", ex);
        }
    }
}
