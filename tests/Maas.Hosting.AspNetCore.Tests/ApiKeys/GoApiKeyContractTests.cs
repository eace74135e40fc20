using System.Net;
using System.Text.Json;
using Maas.Testing;

namespace Maas.Hosting.AspNetCore.Tests.ApiKeys;

/// <summary>
/// Our answers checked against the Go service's published API description (maas-api/openapi3.yaml
/// and the JSON tags of maas-api/internal/api_keys/types.go in opendatahub-io/models-as-a-service):
/// the property names, required properties, JSON types and status codes of search, bulk revoke,
/// config, get and labels. The few schema facts are copied here as expectations. Deliberate
/// differences stay ours and are listed: keys are
/// <c>sk-maas-</c> unless configured, <c>tenant</c> does not exist here (<c>subscription</c> names a tier, written when a key has one), and search adds <c>next_cursor</c>.
/// </summary>
public sealed class GoApiKeyContractTests
{
    // components.schemas.ApiKey: properties and required (labels from types.go's ApiKey).
    private static readonly string[] ApiKeyProperties =
        ["id", "name", "description", "username", "subscription", "tenant", "groups", "creationDate", "expirationDate", "status", "lastUsedAt", "ephemeral", "labels"];

    private static readonly string[] ApiKeyRequired = ["id", "name", "creationDate", "status", "ephemeral"];

    // components.schemas.ApiKeyListResponse.
    private static readonly string[] ListRequired = ["object", "data", "has_more"];

    // components.schemas.ApiKeyConfig.
    private static readonly string[] ConfigRequired = ["max_expiration_days", "ephemeral_max_expiration"];

    // /v1/api-keys/bulk-revoke 200 schema properties.
    private static readonly string[] BulkRevokeProperties = ["revokedCount", "message", "dryRun"];

    // What we add on purpose (documented in README): the keyset cursor.
    private static readonly string[] OurListAdditions = ["next_cursor"];

    [Fact]
    public async Task Search_answer_has_the_go_list_shape_and_every_key_the_go_api_key_shape()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        var (_, key) = await ApiKeyRequests.CreateAsync(alice, """{"name":"a","description":"d","labels":{"env":"prod"}}""");
        await ApiKeyRequests.CreateAsync(alice, """{"name":"b"}""");
        using (var withKey = server.CreateBearerClient(key))
        {
            Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode);
        }

        server.Clock.Advance(TimeSpan.FromSeconds(10));

        // The Go description's own example body.
        using var list = await ApiKeyRequests.SearchAsync(alice,
            """{"filters":{"status":["active"]},"sort":{"by":"created_at","order":"desc"},"pagination":{"limit":1,"offset":0}}""");
        var root = list.RootElement;
        AssertProperties(root, ListRequired, [.. ListRequired, .. OurListAdditions]);
        Assert.Equal("list", root.GetProperty("object").GetString());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("data").ValueKind);
        Assert.Equal(JsonValueKind.True, root.GetProperty("has_more").ValueKind);
        Assert.Equal(JsonValueKind.String, root.GetProperty("next_cursor").ValueKind);

        using var all = await ApiKeyRequests.SearchAsync(alice, "{}");
        foreach (var item in all.RootElement.GetProperty("data").EnumerateArray())
        {
            AssertProperties(item, ApiKeyRequired, ApiKeyProperties);
            foreach (var name in new[] { "id", "name", "username", "creationDate", "expirationDate", "status" })
            {
                Assert.Equal(JsonValueKind.String, item.GetProperty(name).ValueKind);
            }

            Assert.Equal(JsonValueKind.False, item.GetProperty("ephemeral").ValueKind);
            Assert.Contains(item.GetProperty("status").GetString(), new[] { "active", "revoked", "expired" });
            Assert.True(DateTimeOffset.TryParse(item.GetProperty("creationDate").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        }

        var labelled = all.RootElement.GetProperty("data").EnumerateArray().Single(k => k.GetProperty("name").GetString() == "a");
        Assert.Equal(JsonValueKind.Object, labelled.GetProperty("labels").ValueKind);
        Assert.Equal(JsonValueKind.String, labelled.GetProperty("lastUsedAt").ValueKind);
        Assert.Equal(JsonValueKind.Array, labelled.GetProperty("groups").ValueKind);
    }

    [Fact]
    public async Task Search_status_codes_are_the_go_services()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");

        // 200, 400 (invalid search parameters), 401, and 403 for another user's username.
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync("/v1/api-keys/search", MaasTestHost.Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.PostAsync("/v1/api-keys/search", MaasTestHost.Json("""{"sort":{"by":"id"}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.CreateClient().PostAsync("/v1/api-keys/search", MaasTestHost.Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.PostAsync("/v1/api-keys/search", MaasTestHost.Json("""{"filters":{"username":"bob"}}"""))).StatusCode);

        // limit larger than 100 is capped, not refused; below 1 is refused.
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync("/v1/api-keys/search", MaasTestHost.Json("""{"pagination":{"limit":1000}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.PostAsync("/v1/api-keys/search", MaasTestHost.Json("""{"pagination":{"limit":0}}"""))).StatusCode);
    }

    [Fact]
    public async Task Bulk_revoke_answers_and_status_codes_are_the_go_services()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        await ApiKeyRequests.CreateAsync(alice, """{"name":"a"}""");

        foreach (var body in new[] { """{"username":"alice","dryRun":true}""", """{"username":"alice"}""" })
        {
            using var response = await alice.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json(body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            AssertProperties(answer.RootElement, ["revokedCount", "message"], BulkRevokeProperties);
            Assert.Equal(JsonValueKind.Number, answer.RootElement.GetProperty("revokedCount").ValueKind);
            Assert.Equal(JsonValueKind.String, answer.RootElement.GetProperty("message").ValueKind);
            Assert.Equal(1, answer.RootElement.GetProperty("revokedCount").GetInt32());
        }

        // 400: at least one of username or subscription; 403: another user's keys; 401: no identity.
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("""{"username":"bob"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.CreateClient().PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("""{"username":"alice"}"""))).StatusCode);
    }

    [Fact]
    public async Task Config_answer_and_status_codes_are_the_go_services()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var response = await alice.GetAsync("/v1/api-keys/config");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var config = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        AssertProperties(config.RootElement, ConfigRequired, ConfigRequired);
        Assert.Equal(JsonValueKind.Number, config.RootElement.GetProperty("max_expiration_days").ValueKind);
        Assert.Equal(JsonValueKind.String, config.RootElement.GetProperty("ephemeral_max_expiration").ValueKind);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.CreateClient().GetAsync("/v1/api-keys/config")).StatusCode);
    }

    [Fact]
    public async Task Another_users_key_is_404_never_403_and_labels_use_the_go_field_name()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var bob = server.CreateClient("bob", "system:authenticated");
        var (id, _) = await ApiKeyRequests.CreateAsync(alice, """{"name":"a","labels":{"env":"prod"}}""");

        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/v1/api-keys/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.DeleteAsync($"/v1/api-keys/{id}")).StatusCode);
        using var single = JsonDocument.Parse(await alice.GetStringAsync($"/v1/api-keys/{id}"));
        Assert.Equal("prod", single.RootElement.GetProperty("labels").GetProperty("env").GetString());

        // DELETE answers 200 with the key, as the newer Go service does (issue 25; it answered 204 before).
        Assert.Equal(HttpStatusCode.OK, (await alice.DeleteAsync($"/v1/api-keys/{id}")).StatusCode);
    }

    private static void AssertProperties(JsonElement element, IEnumerable<string> required, IReadOnlyCollection<string> allowed)
    {
        foreach (var name in required)
        {
            Assert.True(element.TryGetProperty(name, out _), $"required property '{name}' missing from {element}");
        }

        foreach (var property in element.EnumerateObject())
        {
            Assert.True(allowed.Contains(property.Name), $"property '{property.Name}' is not in the Go contract: {element}");
        }
    }
}
