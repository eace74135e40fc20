using System.Net;
using System.Text.Json;
using Maas.Testing;
using Maas.Hosting.AspNetCore.Tests.Introspection;
using static Maas.Testing.RotationRequests;
using Maas.Validation;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Hosting.AspNetCore.Tests.ApiKeys;

/// <summary><c>POST /v1/api-keys/{id}/rotate</c> on the in-memory, disk and PostgreSQL stores, on the host's fake clock.</summary>
public sealed class RotationTests(PostgreSqlServer postgres) : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Stores => MaasTestStore.All;

    private async Task<MaasTestHost> StartAsync(string storage) =>
        await MaasTestHost.StartAsync(
            await MaasTestStore.ForAsync(storage, _folder, postgres),
            builder =>
            {
                builder.Configuration["Maas:Gateway:Clients:0:ClientId"] = IntrospectionRequests.ClientId;
                builder.Configuration["Maas:Gateway:Clients:0:SecretHash"] = IntrospectionRequests.SecretHash(IntrospectionRequests.ClientSecret);
            });

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Old_key_validates_until_the_grace_ends_then_fails_as_expired_while_the_new_key_works(string storage)
    {
        await using var server = await StartAsync(storage);
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var gateway = server.CreateClient();
        var (oldKey, oldId) = await CreateKeyAsync(alice, "ci", "deploys");

        using var rotated = await alice.PostAsync($"/v1/api-keys/{oldId}/rotate", MaasTestHost.Json("""{"grace":"10m"}"""));

        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        using var body = JsonDocument.Parse(await rotated.Content.ReadAsStringAsync());
        var answer = body.RootElement;
        var newKey = answer.GetProperty("token").GetString()!;
        Assert.StartsWith("sk-maas-", newKey, StringComparison.Ordinal);
        Assert.NotEqual(oldId, answer.GetProperty("jti").GetString());
        Assert.Equal("ci", answer.GetProperty("name").GetString());
        Assert.Equal("deploys", answer.GetProperty("description").GetString());
        Assert.Equal("720h0m0s", answer.GetProperty("expiration").GetString());
        Assert.Equal(oldId, answer.GetProperty("rotatedFrom").GetString());
        var graceEnd = server.Clock.GetUtcNow().AddMinutes(10);
        Assert.Equal(graceEnd.ToUnixTimeSeconds(), answer.GetProperty("rotatedFromExpiresAt").GetInt64());

        server.Clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.True((await IntrospectionRequests.IntrospectAsync(gateway, oldKey)).GetProperty("active").GetBoolean());
        Assert.True((await IntrospectionRequests.IntrospectAsync(gateway, newKey)).GetProperty("active").GetBoolean());

        server.Clock.Advance(TimeSpan.FromSeconds(1));
        await IntrospectionRequests.AssertInactiveAsync(gateway, oldKey);
        var validation = await server.Services.GetRequiredService<CredentialValidationService>().ValidateAsync(oldKey);
        Assert.Equal(ValidationFailure.Expired, validation.Failure);
        Assert.True((await IntrospectionRequests.IntrospectAsync(gateway, newKey)).GetProperty("active").GetBoolean());
        using var oldMetadata = JsonDocument.Parse(await alice.GetStringAsync($"/v1/api-keys/{oldId}"));
        Assert.Equal("expired", oldMetadata.RootElement.GetProperty("status").GetString());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Rotating_twice_within_the_grace_refuses_the_replaced_key_and_rotates_the_new_one(string storage)
    {
        await using var server = await StartAsync(storage);
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var gateway = server.CreateClient();
        var (firstKey, firstId) = await CreateKeyAsync(alice, "ci");
        var (secondKey, secondId) = await RotateAsync(alice, firstId, "1h");
        server.Clock.Advance(TimeSpan.FromMinutes(5));

        using var again = await alice.PostAsync($"/v1/api-keys/{firstId}/rotate", MaasTestHost.Json("""{"grace":"0s"}"""));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains(secondId, await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var (thirdKey, _) = await RotateAsync(alice, secondId, "10m");

        // The first key keeps its own grace end (1 h after the first rotation), the second gets 10 min.
        server.Clock.Advance(TimeSpan.FromMinutes(10));
        await IntrospectionRequests.AssertInactiveAsync(gateway, secondKey);
        Assert.True((await IntrospectionRequests.IntrospectAsync(gateway, firstKey)).GetProperty("active").GetBoolean());
        Assert.True((await IntrospectionRequests.IntrospectAsync(gateway, thirdKey)).GetProperty("active").GetBoolean());
        server.Clock.Advance(TimeSpan.FromMinutes(45));
        await IntrospectionRequests.AssertInactiveAsync(gateway, firstKey);
        Assert.True((await IntrospectionRequests.IntrospectAsync(gateway, thirdKey)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Zero_grace_stops_the_old_key_at_once_and_no_body_means_the_default_grace()
    {
        await using var server = await IntrospectionTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var gateway = server.CreateClient();
        var (oldKey, oldId) = await CreateKeyAsync(alice, "a");
        var (_, otherId) = await CreateKeyAsync(alice, "b");

        await RotateAsync(alice, oldId, "0s");
        await IntrospectionRequests.AssertInactiveAsync(gateway, oldKey);

        using var defaulted = await alice.PostAsync($"/v1/api-keys/{otherId}/rotate", null);
        Assert.Equal(HttpStatusCode.Created, defaulted.StatusCode);
        using var body = JsonDocument.Parse(await defaulted.Content.ReadAsStringAsync());
        Assert.Equal(server.Clock.GetUtcNow().AddHours(1).ToUnixTimeSeconds(), body.RootElement.GetProperty("rotatedFromExpiresAt").GetInt64());
    }

    [Theory]
    [InlineData("""{"grace":"169h"}""", "grace must be at most 168h0m0s")]
    [InlineData("""{"grace":"-1s"}""", "grace must not be negative")]
    [InlineData("""{"grace":"soon"}""", "grace is not a valid duration")]
    [InlineData("""{"grace":true}""", "grace")]
    public async Task A_grace_outside_the_configured_bounds_or_malformed_is_a_400_naming_grace(string json, string message)
    {
        await using var server = await IntrospectionTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        var (key, id) = await CreateKeyAsync(alice, "a");

        using var response = await alice.PostAsync($"/v1/api-keys/{id}/rotate", MaasTestHost.Json(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True((await IntrospectionRequests.IntrospectAsync(server.CreateClient(), key)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Revoked_and_expired_keys_are_refused_with_409_and_another_users_key_is_404()
    {
        await using var server = await IntrospectionTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var bob = server.CreateClient("bob", "system:authenticated");
        var (_, revokedId) = await CreateKeyAsync(alice, "revoked");
        Assert.Equal(HttpStatusCode.OK, (await alice.DeleteAsync($"/v1/api-keys/{revokedId}")).StatusCode);
        using var shortLived = await alice.PostAsync("/v1/api-keys", MaasTestHost.Json("""{"name":"short","expiration":"10m"}"""));
        var shortId = JsonDocument.Parse(await shortLived.Content.ReadAsStringAsync()).RootElement.GetProperty("jti").GetString()!;
        var (_, alicesId) = await CreateKeyAsync(alice, "mine");

        using var revoked = await alice.PostAsync($"/v1/api-keys/{revokedId}/rotate", null);
        Assert.Equal(HttpStatusCode.Conflict, revoked.StatusCode);
        Assert.Contains("revoked", await revoked.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        server.Clock.Advance(TimeSpan.FromMinutes(10));
        using var expired = await alice.PostAsync($"/v1/api-keys/{shortId}/rotate", null);
        Assert.Equal(HttpStatusCode.Conflict, expired.StatusCode);
        Assert.Contains("expired", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync($"/v1/api-keys/{alicesId}/rotate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.PostAsync("/v1/api-keys/no-such-key/rotate", null)).StatusCode);
        using var list = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys"));
        Assert.Equal(3, list.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task A_maas_credential_cannot_rotate_a_key()
    {
        await using var server = await IntrospectionTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        var (key, id) = await CreateKeyAsync(alice, "a");
        using var bearer = server.CreateBearerClient(key);

        Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.PostAsync($"/v1/api-keys/{id}/rotate", null)).StatusCode);
    }
}
