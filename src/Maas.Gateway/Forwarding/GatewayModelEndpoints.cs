using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Primitives;

namespace Maas.Gateway.Forwarding;

/// <summary>
/// The per-model endpoints (<c>{path}/v1/chat/completions</c>, ... under each model's public URL
/// path) as an <see cref="EndpointDataSource"/> that follows <see cref="GatewayModels"/>: a model
/// that appears, moves or goes at run time changes the routes without a restart, the way YARP's
/// own data source follows its configuration provider.
/// </summary>
/// <remarks>
/// Beside the calls, <c>GET {path}/v1/models/{id}</c> (<paramref name="retrieve"/>) and, for any other path or method
/// under the model's URL, <paramref name="unrouted"/>: an OpenAI-shaped 404 rather than an empty one.
/// </remarks>
internal sealed class GatewayModelEndpoints(
    GatewayModels models,
    Func<GatewayModel, string, bool, RequestDelegate> handler,
    Func<GatewayModel, RequestDelegate> retrieve,
    RequestDelegate unrouted,
    IReadOnlyList<string> callPaths) : EndpointDataSource
{
    private readonly Lock _gate = new();
    private IReadOnlyList<GatewayModel>? _builtFrom;
    private IReadOnlyList<Endpoint> _endpoints = [];

    public override IReadOnlyList<Endpoint> Endpoints
    {
        get
        {
            var current = models.All;
            lock (_gate)
            {
                if (!ReferenceEquals(current, _builtFrom))
                {
                    _endpoints = Build(current);
                    _builtFrom = current;
                }

                return _endpoints;
            }
        }
    }

    public override IChangeToken GetChangeToken() => models.GetChangeToken();

    private List<Endpoint> Build(IReadOnlyList<GatewayModel> current)
    {
        var endpoints = new List<Endpoint>();
        foreach (var model in current)
        {
            if (model.RoutePath is not { } prefix)
            {
                continue;
            }

            foreach (var path in callPaths)
            {
                endpoints.Add(Endpoint(prefix + path, HttpMethods.Post, handler(model, path, true)));
            }

            endpoints.Add(Endpoint(prefix + "/v1/models", HttpMethods.Get, handler(model, "/v1/models", false)));
            endpoints.Add(Endpoint(prefix + "/v1/models/{**id}", HttpMethods.Get, retrieve(model)));

            // Last in order: only what no route above matches, by path or by method.
            endpoints.Add(Endpoint(prefix + "/{**rest}", null, unrouted, order: 1));
        }

        return endpoints;
    }

    private static RouteEndpoint Endpoint(string pattern, string? method, RequestDelegate handler, int order = 0)
    {
        var builder = new RouteEndpointBuilder(handler, RoutePatternFactory.Parse(pattern), order)
        {
            DisplayName = method is null ? $"HTTP: {pattern}" : $"HTTP: {method} {pattern}",
        };
        if (method is not null)
        {
            builder.Metadata.Add(new HttpMethodMetadata([method]));
        }

        return (RouteEndpoint)builder.Build();
    }
}
