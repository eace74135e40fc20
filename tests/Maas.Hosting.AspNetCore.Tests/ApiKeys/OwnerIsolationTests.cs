using System.Net;
using System.Text.Json;
using Maas.Testing;

namespace Maas.Hosting.AspNetCore.Tests.ApiKeys;

/// <summary>A user never sees, reads or revokes another user's keys.</summary>
public sealed class OwnerIsolationTests
{
    [Fact]
    public async Task Another_user_never_sees_reads_or_revokes_the_first_users_keys()
    {
        await using var server = await MaasTestHost.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var mallory = server.CreateClient("mallory", "system:authenticated");
        using var created = await alice.PostAsync("/v1/api-keys", MaasTestHost.Json("""{"name":"alice-key"}"""));
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = body.RootElement.GetProperty("jti").GetString()!;
        var key = body.RootElement.GetProperty("token").GetString()!;

        Assert.Equal("[]", await mallory.GetStringAsync("/v1/api-keys"));
        using var get = await mallory.GetAsync($"/v1/api-keys/{id}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        using var delete = await mallory.DeleteAsync($"/v1/api-keys/{id}");
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        using var revokeAll = await mallory.DeleteAsync("/v1/tokens");
        Assert.Equal(HttpStatusCode.NoContent, revokeAll.StatusCode);

        // Alice's key is untouched by all of that.
        using var list = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys"));
        Assert.Equal("active", Assert.Single(list.RootElement.EnumerateArray()).GetProperty("status").GetString());
        using var withKey = server.CreateBearerClient(key);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode);

        // A bearer credential reads only its owner's keys, and can never mint or revoke.
        using var listedByKey = JsonDocument.Parse(await withKey.GetStringAsync("/v1/api-keys"));
        Assert.Equal(id, Assert.Single(listedByKey.RootElement.EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.PostAsync("/v1/tokens", MaasTestHost.Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.PostAsync("/v1/api-keys", MaasTestHost.Json("""{"name":"x"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.DeleteAsync($"/v1/api-keys/{id}")).StatusCode);

        // The owner revokes one key: 204, then it is listed revoked and rejected.
        Assert.Equal(HttpStatusCode.OK, (await alice.DeleteAsync($"/v1/api-keys/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.GetAsync("/v1/models")).StatusCode);
        using var single = JsonDocument.Parse(await alice.GetStringAsync($"/v1/api-keys/{id}"));
        Assert.Equal("revoked", single.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Keys_are_listed_newest_first()
    {
        await using var server = await MaasTestHost.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        foreach (var name in new[] { "first", "second", "third" })
        {
            using var response = await alice.PostAsync("/v1/api-keys", MaasTestHost.Json($$"""{"name":"{{name}}","description":"key {{name}}"}"""));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            server.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        using var list = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys"));
        Assert.Equal(["third", "second", "first"], list.RootElement.EnumerateArray().Select(k => k.GetProperty("name").GetString()));
        Assert.Equal("key third", list.RootElement[0].GetProperty("description").GetString());
    }
}
