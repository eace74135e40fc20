using System.Net;
using System.Text.Json;
using Maas.Testing;

namespace Maas.Hosting.AspNetCore.Tests.ApiKeys;

/// <summary>
/// Labels, search with a cursor, admin reads and bulk revoke through the minimal test host on the durable
/// stores: a SQLite file that survives a restart, and two replicas sharing one PostgreSQL database.
/// </summary>
public sealed class DurableKeyAdministrationTests(PostgreSqlServer server)
{
    [Fact]
    public async Task On_disk_labels_search_and_bulk_revoke_work_and_survive_a_restart()
    {
        using var directory = new TemporaryDirectory();
        var store = MaasTestStore.Sqlite(Path.Combine(directory.Path, "maas-api.db"));
        string[] expected;
        await using (var first = await ApiKeyAdministrationTests.StartAsync(store))
        {
            using var alice = first.CreateClient("alice", "system:authenticated");
            for (var i = 0; i < 7; i++)
            {
                await ApiKeyRequests.CreateAsync(alice, $$$"""{"name":"k{{{(i * 3) % 7}}}","labels":{"env":"{{{(i % 2 == 0 ? "prod" : "dev")}}}"}}""");
            }

            using var prod = await ApiKeyRequests.SearchAsync(alice, """{"filters":{"labelsContain":{"env":"prod"}},"sort":{"by":"name","order":"asc"}}""");
            expected = ApiKeyRequests.Names(prod);
            Assert.Equal(["k0", "k4", "k5", "k6"], expected);

            using var dry = JsonDocument.Parse(await (await alice.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("""{"username":"alice","dryRun":true}"""))).Content.ReadAsStringAsync());
            Assert.Equal(7, dry.RootElement.GetProperty("revokedCount").GetInt32());
        }

        await using var second = await ApiKeyAdministrationTests.StartAsync(store);
        using var aliceAgain = second.CreateClient("alice", "system:authenticated");
        var walked = new List<string>();
        string? cursor = null;
        do
        {
            var pagination = cursor is null ? """{"limit":3}""" : $$$"""{"limit":3,"cursor":"{{{cursor}}}"}""";
            using var page = await ApiKeyRequests.SearchAsync(aliceAgain, $$$"""{"filters":{"labelsContain":{"env":"prod"}},"sort":{"by":"name","order":"asc"},"pagination":{{{pagination}}}}""");
            walked.AddRange(ApiKeyRequests.Names(page));
            cursor = page.RootElement.TryGetProperty("next_cursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        Assert.Equal(expected, walked);

        using var real = JsonDocument.Parse(await (await aliceAgain.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("""{"username":"alice"}"""))).Content.ReadAsStringAsync());
        Assert.Equal(7, real.RootElement.GetProperty("revokedCount").GetInt32());
        using var revoked = await ApiKeyRequests.SearchAsync(aliceAgain, """{"filters":{"status":["revoked"]},"pagination":{"limit":100}}""");
        Assert.Equal(7, ApiKeyRequests.Names(revoked).Length);
    }

    [Fact]
    public async Task A_bulk_revoke_on_one_replica_reaches_the_other_within_a_second_and_its_admin_reads_the_result()
    {
        var connectionString = await server.CreateDatabaseAsync();
        var url = server.ConnectionUrl(new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!);
        var store = MaasTestStore.PostgreSql(url);
        await using var a = await ApiKeyAdministrationTests.StartAsync(store);
        await using var b = await ApiKeyAdministrationTests.StartAsync(store);
        using var aliceOnA = a.CreateClient("alice", "system:authenticated");
        using var adminOnA = ApiKeyAdministrationTests.Admin(a);
        using var adminOnB = ApiKeyAdministrationTests.Admin(b);
        var keys = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            keys.Add((await ApiKeyRequests.CreateAsync(aliceOnA, $$$"""{"name":"k{{{i}}}","labels":{"team":"ml"}}""")).Key);
        }

        // Every key validated (and cached) on B.
        var onB = keys.Select(b.CreateBearerClient).ToList();
        try
        {
            foreach (var client in onB)
            {
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/models")).StatusCode);
            }

            using var dry = JsonDocument.Parse(await (await adminOnA.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("""{"username":"alice","dryRun":true}"""))).Content.ReadAsStringAsync());
            using var real = JsonDocument.Parse(await (await adminOnA.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("""{"username":"alice"}"""))).Content.ReadAsStringAsync());
            Assert.Equal(4, dry.RootElement.GetProperty("revokedCount").GetInt32());
            Assert.Equal(4, real.RootElement.GetProperty("revokedCount").GetInt32());

            foreach (var client in onB)
            {
                Assert.True(await Polling.PollAsync(async () => (await client.GetAsync("/v1/models")).StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(1)),
                    "host B still accepted a key 1 second after the bulk revoke on host A");
            }

            using var seenOnB = await ApiKeyRequests.SearchAsync(adminOnB, """{"filters":{"username":"alice","status":["revoked"],"labelsContain":{"team":"ml"}},"sort":{"by":"name","order":"asc"}}""");
            Assert.Equal(["k0", "k1", "k2", "k3"], ApiKeyRequests.Names(seenOnB));
            var id = ApiKeyRequests.Ids(seenOnB)[0];
            using var read = JsonDocument.Parse(await adminOnB.GetStringAsync($"/v1/api-keys/{id}"));
            Assert.Equal("revoked", read.RootElement.GetProperty("status").GetString());
            Assert.Equal("ml", read.RootElement.GetProperty("labels").GetProperty("team").GetString());
        }
        finally
        {
            onB.ForEach(c => c.Dispose());
        }
    }
}
