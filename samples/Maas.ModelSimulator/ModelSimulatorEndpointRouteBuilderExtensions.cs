using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.ModelSimulator;

/// <summary>Maps the model simulator's OpenAI-compatible endpoints.</summary>
public static class ModelSimulatorEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST {prefix}/v1/chat/completions</c>, <c>POST {prefix}/v1/completions</c>,
    /// <c>POST {prefix}/v1/embeddings</c>, <c>GET {prefix}/v1/models</c>, <c>GET {prefix}/v1/models/{id}</c>
    /// and <c>GET {prefix}/health</c>. Needs
    /// <c>AddModelSimulator()</c>; the options are read once, here.
    /// </summary>
    /// <param name="endpoints">The application's route builder.</param>
    /// <param name="prefix">A path prefix such as <c>/llm/facebook-opt-125m-simulated</c>; empty maps at the root.</param>
    /// <returns>A builder for conventions on all its endpoints.</returns>
    public static IEndpointConventionBuilder MapModelSimulator(this IEndpointRouteBuilder endpoints, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var simulator = endpoints.ServiceProvider.GetService<SimulatorEndpoints>()
            ?? throw new InvalidOperationException("Call services.AddModelSimulator() before MapModelSimulator().");
        var group = endpoints.MapGroup(prefix);
        group.MapPost("/v1/chat/completions", simulator.ChatCompletionsAsync);
        group.MapPost("/v1/completions", simulator.CompletionsAsync);
        group.MapPost("/v1/embeddings", simulator.EmbeddingsAsync);
        group.MapGet("/v1/models", simulator.ModelsAsync);
        group.MapGet("/v1/models/{**id}", simulator.ModelAsync);
        group.MapGet("/health", static () => TypedResults.Ok());
        return group;
    }
}
