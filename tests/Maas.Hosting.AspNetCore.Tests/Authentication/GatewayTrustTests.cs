using System.Net;
using Maas.Testing;

namespace Maas.Hosting.AspNetCore.Tests.Authentication;

/// <summary>Identity headers are trusted only from the gateway: a forged header never becomes a user.</summary>
public sealed class GatewayTrustTests
{
    private const string Secret = "a-long-gateway-shared-secret-0123456789";

    [Fact]
    public async Task With_a_shared_secret_headers_without_it_are_refused_and_with_it_accepted()
    {
        await using var server = await MaasTestHost.StartAsync(
            configure: b => b.Configuration["Maas:Gateway:SharedSecret"] = Secret,
            environmentName: "Production");
        using var forged = server.CreateClient("admin", "admin-group");
        using var refused = await forged.PostAsync("/v1/tokens", MaasTestHost.Json("{}"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.DoesNotContain(Secret, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        forged.DefaultRequestHeaders.Add("X-MaaS-Gateway-Secret", "wrong-secret-of-some-length");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.PostAsync("/v1/tokens", MaasTestHost.Json("{}"))).StatusCode);

        using var gateway = server.CreateClient("admin", "admin-group");
        gateway.DefaultRequestHeaders.Add("X-MaaS-Gateway-Secret", Secret);
        Assert.Equal(HttpStatusCode.Created, (await gateway.PostAsync("/v1/tokens", MaasTestHost.Json("{}"))).StatusCode);
    }

    [Fact]
    public async Task A_bearer_key_or_token_cannot_revoke_all_credentials()
    {
        await using var server = await MaasTestHost.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var keyResponse = await alice.PostAsync("/v1/api-keys", MaasTestHost.Json("""{"name":"k"}"""));
        var key = System.Text.Json.JsonDocument.Parse(await keyResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        using var tokenResponse = await alice.PostAsync("/v1/tokens", MaasTestHost.Json("{}"));
        var token = System.Text.Json.JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;

        foreach (var credential in new[] { key, token })
        {
            using var bearer = server.CreateBearerClient(credential);
            using var revoke = await bearer.DeleteAsync("/v1/tokens");
            Assert.Equal(HttpStatusCode.Unauthorized, revoke.StatusCode);
            Assert.Contains("cannot create or revoke credentials", await revoke.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Nothing was revoked: both still work.
        foreach (var credential in new[] { key, token })
        {
            using var bearer = server.CreateBearerClient(credential);
            Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/v1/models")).StatusCode);
        }
    }

    [Fact]
    public async Task Outside_development_a_missing_secret_stops_start_up()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            async () => await MaasTestHost.StartAsync(environmentName: "Production"));
        Assert.Contains("Maas:Gateway:SharedSecret is required", error.Message, StringComparison.Ordinal);
    }
}
