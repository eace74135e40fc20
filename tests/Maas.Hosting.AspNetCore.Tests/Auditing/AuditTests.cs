using System.Net;
using System.Text.Json;
using Maas.ApiKeys;
using Maas.Testing;
using static Maas.Testing.AuditRequests;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Hosting.AspNetCore.Tests.Auditing;

/// <summary><c>GET /v1/audit</c> and what every key-management action records in it, on every store.</summary>
public sealed class AuditTests(PostgreSqlServer postgres) : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public static TheoryData<string> Stores => MaasTestStore.All;

    public void Dispose() => _folder.Dispose();

    private async Task<MaasTestHost> StartAsync(string storage) =>
        await MaasTestHost.StartAsync(await MaasTestStore.ForAsync(storage, _folder, postgres), Administrators);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Create_rotate_revoke_and_revoke_all_are_recorded_with_actor_subject_key_request_and_address(string storage)
    {
        await using var server = await StartAsync(storage);
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var admin = server.CreateClient("root", "system:authenticated", AdminGroup);
        var (_, createdId) = await RotationRequests.CreateKeyAsync(alice, "a");
        var (_, rotatedId) = await RotationRequests.RotateAsync(alice, createdId, "1m");
        Assert.Equal(HttpStatusCode.OK, (await alice.DeleteAsync($"/v1/api-keys/{rotatedId}")).StatusCode);
        using (var traced = new HttpRequestMessage(HttpMethod.Delete, "/v1/tokens"))
        {
            traced.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
            Assert.Equal(HttpStatusCode.NoContent, (await alice.SendAsync(traced)).StatusCode);
        }

        var entries = await ReadAllAsync(admin, "");

        Assert.Equal(["revoke_all", "revoke", "rotate", "create"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e =>
        {
            Assert.Equal("audit_entry", e.GetProperty("object").GetString());
            Assert.Equal("alice", e.GetProperty("actor").GetString());
            Assert.Equal("alice", e.GetProperty("subject").GetString());
            Assert.Equal("127.0.0.1", e.GetProperty("client_address").GetString());
            Assert.False(string.IsNullOrEmpty(e.GetProperty("request_id").GetString()));
            Assert.True(DateTimeOffset.TryParse(e.GetProperty("at").GetString(), out _));
        });
        Assert.Equal(createdId, entries[3].GetProperty("key_id").GetString());
        Assert.Equal(rotatedId, entries[2].GetProperty("key_id").GetString());
        Assert.Equal(createdId, entries[2].GetProperty("replaced_key_id").GetString());
        Assert.Equal(rotatedId, entries[1].GetProperty("key_id").GetString());
        Assert.Equal(JsonValueKind.Null, entries[0].GetProperty("key_id").ValueKind);
        Assert.Equal(1, entries[0].GetProperty("count").GetInt32());
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", entries[0].GetProperty("request_id").GetString());
        Assert.Equal(4, entries.Select(e => e.GetProperty("request_id").GetString()).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task No_audit_entry_carries_a_key_its_hash_or_a_token(string storage)
    {
        await using var server = await StartAsync(storage);
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var admin = server.CreateClient("root", "system:authenticated", AdminGroup);
        var secrets = new List<string>();
        using (var token = await alice.PostAsync("/v1/tokens", MaasTestHost.Json("{}")))
        {
            secrets.Add(JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!);
        }

        var (key, id) = await RotationRequests.CreateKeyAsync(alice, "a");
        var (rotatedKey, rotatedId) = await RotationRequests.RotateAsync(alice, id, "0s");
        await alice.DeleteAsync($"/v1/api-keys/{rotatedId}");
        await alice.DeleteAsync("/v1/tokens");
        var store = server.Services.GetRequiredService<IKeyStore>();
        foreach (var (presented, keyId) in new[] { (key, id), (rotatedKey, rotatedId) })
        {
            secrets.Add(presented);
            var hash = (await store.GetAsync("alice", keyId))!.Hash;
            secrets.Add(Convert.ToHexString(hash));
            secrets.Add(Convert.ToHexStringLower(hash));
            secrets.Add(Convert.ToBase64String(hash));
            secrets.Add(presented[(presented.IndexOf('_', StringComparison.Ordinal) + 1)..]);
        }

        using var page = await admin.GetAsync("/v1/audit?limit=100");
        var raw = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(4, JsonDocument.Parse(raw).RootElement.GetProperty("data").GetArrayLength());
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, raw, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("sk-maas-", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_administrators_read_the_audit_trail()
    {
        await using var server = await MaasTestHost.StartAsync(configure: Administrators);
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var anonymous = server.CreateClient();
        await RotationRequests.CreateKeyAsync(alice, "a");

        using var refused = await alice.GetAsync("/v1/audit?limit=nonsense");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("administrators", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/audit")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Filters_select_and_cursor_pages_cover_every_entry_once(string storage)
    {
        await using var server = await StartAsync(storage);
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var bob = server.CreateClient("bob", "system:authenticated");
        using var admin = server.CreateClient("root", "system:authenticated", AdminGroup);
        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add((await RotationRequests.CreateKeyAsync(i % 3 == 0 ? bob : alice, $"k{i}")).Id);
            server.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var middle = server.Clock.GetUtcNow();
        await alice.DeleteAsync($"/v1/api-keys/{ids[1]}");

        var all = await ReadAllAsync(admin, "&limit=5");
        Assert.Equal(13, all.Count);
        Assert.Equal(13, all.Select(e => e.GetProperty("id").GetInt64()).Distinct().Count());
        Assert.Equal(4, (await ReadAllAsync(admin, "&actor=bob")).Count);
        Assert.Equal(9, (await ReadAllAsync(admin, "&subject=alice&limit=2")).Count);
        Assert.Equal(2, (await ReadAllAsync(admin, $"&key_id={ids[1]}")).Count);
        Assert.Single(await ReadAllAsync(admin, "&action=revoke"));
        var since = Uri.EscapeDataString(middle.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Single(await ReadAllAsync(admin, $"&since={since}"));
        Assert.Equal(12, (await ReadAllAsync(admin, $"&until={since}")).Count);

        using var first = JsonDocument.Parse(await admin.GetStringAsync("/v1/audit?limit=13"));
        Assert.Equal("list", first.RootElement.GetProperty("object").GetString());
        Assert.False(first.RootElement.GetProperty("has_more").GetBoolean());
        Assert.Equal(JsonValueKind.Null, first.RootElement.GetProperty("next_cursor").ValueKind);
        using var defaulted = JsonDocument.Parse(await admin.GetStringAsync("/v1/audit"));
        Assert.Equal(13, defaulted.RootElement.GetProperty("data").GetArrayLength());
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("since=yesterday", "since")]
    [InlineData("until=2026-11-26", "until")]
    [InlineData("since=2026-11-26T12:00:00Z&until=2026-11-26T11:00:00Z", "until")]
    [InlineData("action=delete", "action")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("cursor=AAAAAAAAAAAAAAAAAAAAAA", "cursor")]
    [InlineData("cursor=notacursor", "cursor")] // final bits not zero: the decoder throws
    [InlineData("cursor=%3F%3F%3F%3F", "cursor")] // not base64url at all
    [InlineData("actorr=alice", "actorr")]
    [InlineData("actor=a&actor=b", "actor")]
    [InlineData("subject=", "subject")]
    public async Task A_bad_filter_or_cursor_is_a_400_naming_it(string query, string field)
    {
        await using var server = await MaasTestHost.StartAsync(configure: Administrators);
        using var admin = server.CreateClient("root", "system:authenticated", AdminGroup);

        using var response = await admin.GetAsync("/v1/audit?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(field, body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
