using Maas.Hosting.Contracts;
using Maas.Hosting.Responses;
using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Endpoints;

/// <summary><c>GET /health</c>: the process serves requests.</summary>
internal static class HealthEndpoints
{
    private static readonly HealthResponse Healthy = new() { Status = "healthy" };

    public static IResult Get() => Answer.Json(Healthy, MaasJsonContext.Default.HealthResponse);
}
