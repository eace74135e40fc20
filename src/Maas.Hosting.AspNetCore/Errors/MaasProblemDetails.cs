using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Hosting.Errors;

/// <summary>
/// Registers the framework's problem details (<c>AddProblemDetails</c>) and, for problems written on a
/// Maas endpoint by anything (the framework included), keeps the Go service's <c>error</c> member and
/// <c>Cache-Control: no-store</c>. The host's own customization runs first and is kept.
/// </summary>
internal static class MaasProblemDetails
{
    /// <summary>The member clients of the Go service read (<c>jq .error</c>).</summary>
    public const string ErrorMember = "error";

    public static void Add(IServiceCollection services)
    {
        services.AddProblemDetails();
        services.PostConfigure<ProblemDetailsOptions>(options =>
        {
            var host = options.CustomizeProblemDetails;
            if (host?.Target is MaasProblemDetailsMarker)
            {
                return;
            }

            var marker = new MaasProblemDetailsMarker(host);
            options.CustomizeProblemDetails = marker.Customize;
        });
    }

    /// <summary>Holds the host's customizer and marks ours, so registering twice chains once.</summary>
    private sealed class MaasProblemDetailsMarker(Action<ProblemDetailsContext>? host)
    {
        public void Customize(ProblemDetailsContext context)
        {
            host?.Invoke(context);
            if (context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<MaasEndpointMetadata>() is null)
            {
                return;
            }

            context.HttpContext.Response.Headers.CacheControl = "no-store";
            var problem = context.ProblemDetails;
            problem.Extensions.TryAdd(ErrorMember, problem.Detail ?? problem.Title ?? "error");
        }
    }
}
