using System.Net;
using System.Text.Json;
using Maas.Testing;

namespace Maas.Hosting.AspNetCore.Tests.Requests;

/// <summary>
/// Text PostgreSQL cannot store (NUL; unpaired surrogates have no UTF-8 form) is refused with the
/// same 400 naming the field on every store, before any store sees it; never a 500 on one store
/// and a 201 on another.
/// </summary>
public sealed class UnstorableTextTests(PostgreSqlServer server)
{
    public static TheoryData<string> StorageModes => ["in-memory", "disk", "external"];

    [Theory]
    [MemberData(nameof(StorageModes))]
    public async Task Nul_and_lone_surrogates_in_descriptions_names_and_groups_get_the_same_400_on_every_store(string mode)
    {
        using var directory = new TemporaryDirectory();
        var store = mode switch
        {
            "disk" => MaasTestStore.Sqlite(directory.Combine("maas.db")),
            "external" => MaasTestStore.PostgreSql(await NewDatabaseUrlAsync()),
            _ => MaasTestStore.InMemory,
        };
        await using var host = await MaasTestHost.StartAsync(store);
        using var alice = host.CreateClient("alice", "system:authenticated");

        await AssertRefusedAsync(alice, """{"name":"k","description":"a\u0000b"}""", "description");
        // (The JSON reader already refuses an escaped lone surrogate, naming the field.)
        await AssertRefusedAsync(alice, """{"name":"k","description":"a\ud800b"}""", "description", message: null);
        await AssertRefusedAsync(alice, """{"name":"k\udc00"}""", "name", message: null);

        // A group carrying NUL (the JSON header escapes it) is stored with every key: refused too.
        using var nulGroup = host.CreateClient("bob", "system:authenticated", "a\\u0000b");
        await AssertRefusedAsync(nulGroup, """{"name":"k"}""", "groups");
        using (var listing = await nulGroup.GetAsync("/v1/api-keys"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, listing.StatusCode);
        }

        // An id with NUL is not a key id: 400, not a store error.
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.GetAsync("/v1/api-keys/a%00b")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.DeleteAsync("/v1/api-keys/a%00b")).StatusCode);

        // Nothing was stored, and ordinary text (astral characters included) still is.
        using var list = await alice.GetAsync("/v1/api-keys");
        Assert.Equal("[]", await list.Content.ReadAsStringAsync());
        using var created = await alice.PostAsync("/v1/api-keys", MaasTestHost.Json("""{"name":"ok 🙂","description":"tab\tand 🙂"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    private static async Task AssertRefusedAsync(HttpClient client, string body, string field, string? message = "must not contain NUL")
    {
        using var response = await client.PostAsync("/v1/api-keys", MaasTestHost.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} for {body}: {text}");
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(field, problem.RootElement.GetProperty("field").GetString());
        if (message is not null)
        {
            Assert.Contains(message, problem.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
    }

    private async Task<string> NewDatabaseUrlAsync()
    {
        var connectionString = await server.CreateDatabaseAsync();
        return server.ConnectionUrl(new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!);
    }
}
