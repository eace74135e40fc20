using Maas.Gateway.Forwarding;
using Maas.Gateway.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Maas data plane's OpenAI-compatible routes onto an application.</summary>
public static class MaasGatewayEndpointRouteBuilderExtensions
{
    private static readonly string[] CallPaths = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"];

    /// <summary>
    /// Maps, for each catalog model with an <c>Upstream</c>, <c>POST {path}/v1/chat/completions</c>,
    /// <c>/v1/completions</c>, <c>/v1/embeddings</c> and <c>GET {path}/v1/models</c> under the path of
    /// its public <c>Url</c>; the same calls at the root, where the body's <c>model</c> picks the model;
    /// and <c>GET /v1/usage</c>. Requires <c>AddMaasGateway()</c>.
    /// </summary>
    /// <returns>A builder to add conventions to every gateway endpoint.</returns>
    public static IEndpointConventionBuilder MapMaasGateway(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var pipeline = endpoints.ServiceProvider.GetRequiredService<GatewayPipeline>();
        var models = endpoints.ServiceProvider.GetRequiredService<GatewayModels>();
        var usage = endpoints.ServiceProvider.GetRequiredService<UsageEndpoint>();
        var group = endpoints.MapGroup("");
        foreach (var path in CallPaths)
        {
            group.MapPost(path, context => pipeline.ForwardAsync(context, null, path, hasBody: true));
        }

        foreach (var model in models.All)
        {
            if (model.RoutePath is not { } prefix)
            {
                continue;
            }

            foreach (var path in CallPaths)
            {
                group.MapPost(prefix + path, context => pipeline.ForwardAsync(context, model, path, hasBody: true));
            }

            group.MapGet(prefix + "/v1/models", context => pipeline.ForwardAsync(context, model, "/v1/models", hasBody: false));
        }

        group.MapGet("/v1/usage", usage.GetAsync);
        group.ExcludeFromDescription();
        return group;
    }
}
