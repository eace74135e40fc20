using Maas.Gateway.Forwarding;
using Maas.Gateway.Responses;
using Maas.Gateway.Steps;
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
    /// <c>/v1/completions</c>, <c>/v1/embeddings</c>, <c>GET {path}/v1/models</c> and
    /// <c>GET {path}/v1/models/{id}</c> under the path of its public <c>Url</c> (anything else under it is an
    /// OpenAI-shaped 404); the same calls at the root, where the body's <c>model</c> picks the model;
    /// <c>GET /v1/models/{id}</c>; and <c>GET /v1/usage</c>. Models that a watched catalog adds, moves or removes at run time are
    /// routed without a restart. Requires <c>AddMaasGateway()</c>.
    /// </summary>
    /// <returns>A builder to add conventions to every gateway endpoint.</returns>
    public static IEndpointConventionBuilder MapMaasGateway(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // The steps are resolved at the first call, not here: it opens the key store, whose
        // failures the host reports at start-up its own way.
        var services = endpoints.ServiceProvider;
        var lazyRunner = new Lazy<GatewayStepRunner>(services.GetRequiredService<GatewayStepRunner>);
        var lazyUsage = new Lazy<UsageEndpoint>(services.GetRequiredService<UsageEndpoint>);
        var lazyRetrieval = new Lazy<ModelRetrieval>(services.GetRequiredService<ModelRetrieval>);
        var models = services.GetRequiredService<GatewayModels>();
        var group = endpoints.MapGroup("");
        foreach (var path in CallPaths)
        {
            group.MapPost(path, context => lazyRunner.Value.RunAsync(context, null, path, hasBody: true));
        }

        // The per-model routes follow the catalog: models that appear or change at run time are routed.
        ((IEndpointRouteBuilder)group).DataSources.Add(new GatewayModelEndpoints(
            models,
            (model, path, hasBody) => context => lazyRunner.Value.RunAsync(context, model, path, hasBody),
            model => context => lazyRetrieval.Value.GetAsync(context, context.Request.RouteValues["id"] as string ?? "", model),
            OpenAiErrorAnswer.InvalidUrl,
            CallPaths));
        group.MapGet("/v1/models/{**id}", (HttpContext context, string id) => lazyRetrieval.Value.GetAsync(context, id));
        group.MapGet("/v1/usage", context => lazyUsage.Value.GetAsync(context));
        group.ExcludeFromDescription();
        return group;
    }
}
