using System.Net;

namespace Maas.Api.Tests;

/// <summary>Identity headers are trusted only from the gateway: a forged header never becomes a user.</summary>
public sealed class GatewayTrustTests
{
    private const string Secret = "a-long-gateway-shared-secret-0123456789";

    [Fact]
    public async Task With_a_shared_secret_headers_without_it_are_refused_and_with_it_accepted()
    {
        await using var server = await MaasApiServer.StartAsync(
            configure: b => b.Configuration["Maas:Gateway:SharedSecret"] = Secret,
            environmentName: "Production");
        using var forged = server.CreateClient("admin", "admin-group");
        using var refused = await forged.PostAsync("/v1/tokens", MaasApiServer.Json("{}"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.DoesNotContain(Secret, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        forged.DefaultRequestHeaders.Add("X-MaaS-Gateway-Secret", "wrong-secret-of-some-length");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.PostAsync("/v1/tokens", MaasApiServer.Json("{}"))).StatusCode);

        using var gateway = server.CreateClient("admin", "admin-group");
        gateway.DefaultRequestHeaders.Add("X-MaaS-Gateway-Secret", Secret);
        Assert.Equal(HttpStatusCode.Created, (await gateway.PostAsync("/v1/tokens", MaasApiServer.Json("{}"))).StatusCode);
    }

    [Fact]
    public async Task Outside_development_a_missing_secret_stops_start_up()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            async () => await MaasApiServer.StartAsync(environmentName: "Production"));
        Assert.Contains("Maas:Gateway:SharedSecret is required", error.Message, StringComparison.Ordinal);
    }
}
