using Maas.SelfService.Authorization;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Maas self-service page onto an application.</summary>
public static class MaasSelfServiceEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the application's Razor Pages, the self-service screens among them: <c>GET /keys</c> (the
    /// caller's keys, tier and usage), <c>GET /keys/usage</c> (their limits now and last 30 days) and the form posts of <c>/keys</c> (create), <c>/keys/rotate</c>,
    /// <c>/keys/revoke</c>, and for administrators <c>/keys/search</c>, <c>/keys/bulk-revoke</c>,
    /// <c>/keys/audit</c> and <c>GET /keys/usage/report</c> (with its CSV, <c>/keys/usage/report/csv</c>). A host with Razor Pages of its own calls this instead of <c>MapRazorPages()</c>.
    /// Requires <c>AddMaasSelfService()</c>.
    /// </summary>
    /// <returns>A builder whose conventions (for example <c>RequireAuthorization(...)</c> or <c>RequireHost(...)</c>) apply to the self-service endpoints only.</returns>
    public static IEndpointConventionBuilder MapMaasSelfService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return new SelfServiceConventionBuilder(endpoints.MapRazorPages());
    }

    /// <summary>Applies a host's conventions to the endpoints the page marked as its own, not to the host's pages.</summary>
    private sealed class SelfServiceConventionBuilder(IEndpointConventionBuilder pages) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            ArgumentNullException.ThrowIfNull(convention);
            pages.Add(endpoint =>
            {
                if (endpoint.Metadata.OfType<SelfServiceEndpoint>().Any())
                {
                    convention(endpoint);
                }
            });
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            ArgumentNullException.ThrowIfNull(finallyConvention);
            pages.Finally(endpoint =>
            {
                if (endpoint.Metadata.OfType<SelfServiceEndpoint>().Any())
                {
                    finallyConvention(endpoint);
                }
            });
        }
    }
}
