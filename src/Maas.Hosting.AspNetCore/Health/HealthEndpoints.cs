using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Maas.Hosting.Health;

/// <summary><c>GET /health</c>: the process serves requests.</summary>
internal static class HealthEndpoints
{
    private static readonly HealthResponse Healthy = new() { Status = "healthy" };

    public static JsonHttpResult<HealthResponse> Get() => TypedResults.Json(Healthy, MaasJsonContext.Default.HealthResponse);
}
