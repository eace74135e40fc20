using System.Net;
using System.Text.Json;
using Maas.Testing;
using static Maas.Testing.Polling;
using Microsoft.Extensions.DependencyInjection;
using Maas.Validation;

namespace Maas.Api.Tests;

[CollectionDefinition(Name)]
public sealed class SharedPostgreSqlServer : ICollectionFixture<PostgreSqlServer>
{
    public const string Name = "maas-api on PostgreSQL";
}

/// <summary>Several maas-api replicas on one PostgreSQL database, a database restart, a host restart.</summary>
[Collection(SharedPostgreSqlServer.Name)]
public sealed class ExternalStorageTests(PostgreSqlServer server)
{
    [Fact]
    public async Task Key_created_on_one_host_validates_on_another_and_its_revocation_reaches_it_within_a_second()
    {
        var url = await NewDatabaseUrlAsync();
        await using var a = await MaasApiServer.StartAsync(["--storage=external", "--db-connection-url", url]);
        await using var b = await MaasApiServer.StartAsync(["--storage=external", "--db-connection-url", url]);
        using var aliceOnA = a.CreateClient("alice", "system:authenticated");

        using var created = await aliceOnA.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"shared"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var key = body.RootElement.GetProperty("token").GetString()!;
        var id = body.RootElement.GetProperty("jti").GetString()!;
        var token = await TokenAsync(aliceOnA);

        using var keyOnB = b.CreateBearerClient(key);
        using var tokenOnB = b.CreateBearerClient(token);
        Assert.Equal(HttpStatusCode.OK, (await keyOnB.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await tokenOnB.GetAsync("/v1/models")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await aliceOnA.DeleteAsync($"/v1/api-keys/{id}")).StatusCode);
        Assert.True(await PollAsync(async () => (await keyOnB.GetAsync("/v1/models")).StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(1)),
            "host B still accepted the key 1 second after its revocation on host A");

        a.Clock.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(HttpStatusCode.NoContent, (await aliceOnA.DeleteAsync("/v1/tokens")).StatusCode);
        Assert.True(await PollAsync(async () => (await tokenOnB.GetAsync("/v1/models")).StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(1)),
            "host B still accepted the token 1 second after DELETE /v1/tokens on host A");
    }

    [Fact]
    public async Task Key_created_on_one_host_validates_on_another_through_its_announcement_while_made_up_keys_flood_that_host()
    {
        var url = await NewDatabaseUrlAsync();
        await using var a = await MaasApiServer.StartAsync(["--storage=external", "--db-connection-url", url]);
        // The made-up keys all come from this test's address: host B must not throttle it as a
        // guesser (that has tests of its own), or the real key would be refused with 429 too.
        await using var b = await MaasApiServer.StartAsync(
            ["--storage=external", "--db-connection-url", url],
            builder => builder.Configuration["Maas:AuthenticationThrottle:FailureLimit"] = "1000");
        using var aliceOnA = a.CreateClient("alice", "system:authenticated");

        // Made-up keys spend host B's budget of lookups for unannounced keys (its clock stands
        // still, so it never refills): from now on only the announcement lets a new key in.
        for (var i = 0; i < 50; i++)
        {
            using var madeUp = b.CreateBearerClient(MadeUpKeys.Create());
            Assert.Equal(HttpStatusCode.Unauthorized, (await madeUp.GetAsync("/v1/models")).StatusCode);
        }

        using var created = await aliceOnA.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"announced"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        using var keyOnB = b.CreateBearerClient(body.RootElement.GetProperty("token").GetString()!);
        Assert.True(await PollAsync(async () => (await keyOnB.GetAsync("/v1/models")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(1)),
            "host B did not accept the key 1 second after its creation on host A");
    }

    [Fact]
    public async Task Introspection_on_a_second_host_turns_inactive_within_a_second_of_a_revocation_on_the_first()
    {
        var url = await NewDatabaseUrlAsync();
        string[] args = ["--storage=external", "--db-connection-url", url];
        static void Clients(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder)
        {
            builder.Configuration["Maas:Gateway:Clients:0:ClientId"] = IntrospectionRequests.ClientId;
            builder.Configuration["Maas:Gateway:Clients:0:SecretHash"] = IntrospectionRequests.SecretHash(IntrospectionRequests.ClientSecret);
        }

        await using var a = await MaasApiServer.StartAsync(args, Clients);
        await using var b = await MaasApiServer.StartAsync(args, Clients);
        using var aliceOnA = a.CreateClient("alice", "system:authenticated");
        using var gatewayOnB = b.CreateClient();

        using var created = await aliceOnA.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"introspected"}"""));
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var key = body.RootElement.GetProperty("token").GetString()!;
        var id = body.RootElement.GetProperty("jti").GetString()!;
        var token = await TokenAsync(aliceOnA);

        // Both answers are now cached on B.
        Assert.True((await IntrospectionRequests.IntrospectAsync(gatewayOnB, key)).GetProperty("active").GetBoolean());
        Assert.True((await IntrospectionRequests.IntrospectAsync(gatewayOnB, token)).GetProperty("active").GetBoolean());
        Assert.True((await IntrospectionRequests.IntrospectAsync(gatewayOnB, key)).GetProperty("active").GetBoolean());

        Assert.Equal(HttpStatusCode.OK, (await aliceOnA.DeleteAsync($"/v1/api-keys/{id}")).StatusCode);
        Assert.True(await PollAsync(async () => !(await IntrospectionRequests.IntrospectAsync(gatewayOnB, key)).GetProperty("active").GetBoolean(), TimeSpan.FromSeconds(1)),
            "host B still reported the key active 1 second after its revocation on host A");

        a.Clock.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(HttpStatusCode.NoContent, (await aliceOnA.DeleteAsync("/v1/tokens")).StatusCode);
        Assert.True(await PollAsync(async () => !(await IntrospectionRequests.IntrospectAsync(gatewayOnB, token)).GetProperty("active").GetBoolean(), TimeSpan.FromSeconds(1)),
            "host B still reported the token active 1 second after DELETE /v1/tokens on host A");
    }

    [Fact]
    public async Task Database_restart_gives_503_with_retry_after_and_the_host_recovers_by_itself_losing_nothing()
    {
        var url = await NewDatabaseUrlAsync();
        await using var host = await MaasApiServer.StartAsync(["--storage=external", "--db-connection-url", url]);
        using var alice = host.CreateClient("alice", "system:authenticated");
        using var before = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"before-outage"}"""));
        Assert.Equal(HttpStatusCode.Created, before.StatusCode);
        var key = JsonDocument.Parse(await before.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        using var withKey = host.CreateBearerClient(key);

        await server.StopAsync();
        try
        {
            foreach (var request in new Func<Task<HttpResponseMessage>>[]
            {
                () => alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"during-outage"}""")),
                () => alice.GetAsync("/v1/api-keys"),
                () => withKey.GetAsync("/v1/models"),
            })
            {
                using var response = await request();
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.True(response.Headers.RetryAfter is not null, "503 without Retry-After");
            }
        }
        finally
        {
            await server.StartAsync();
        }

        Assert.True(await PollAsync(async () => (await withKey.GetAsync("/v1/models")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30)),
            "the host did not recover after the database came back");
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        using var after = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"after-outage"}"""));
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        using var list = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys"));
        Assert.Equal(["after-outage", "before-outage"], list.RootElement.EnumerateArray().Select(k => k.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Keys_and_tokens_survive_a_restart_of_the_host_in_external_mode()
    {
        var url = await NewDatabaseUrlAsync();
        string key, token;
        await using (var first = await MaasApiServer.StartAsync(["--storage", "external", "--db-connection-url", url]))
        {
            using var alice = first.CreateClient("alice", "system:authenticated");
            token = await TokenAsync(alice);
            using var created = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"durable"}"""));
            key = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        }

        await using var second = await MaasApiServer.StartAsync([], environment: new Dictionary<string, string?>
        {
            ["STORAGE_MODE"] = "external",
            ["DB_CONNECTION_URL"] = url,
            ["DB_MAX_OPEN_CONNS"] = "4",
            ["DB_MAX_IDLE_CONNS"] = "1",
        });
        using var withToken = second.CreateBearerClient(token);
        using var withKey = second.CreateBearerClient(key);
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode);
        using var list = JsonDocument.Parse(await second.CreateClient("alice", "system:authenticated").GetStringAsync("/v1/api-keys"));
        Assert.Equal("durable", Assert.Single(list.RootElement.EnumerateArray()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Parallel_creates_from_two_hosts_lose_nothing_and_never_cross_users()
    {
        var url = await NewDatabaseUrlAsync();
        await using var a = await MaasApiServer.StartAsync(["--storage=external", "--db-connection-url", url]);
        await using var b = await MaasApiServer.StartAsync(["--storage=external", "--db-connection-url", url]);
        var users = Enumerable.Range(0, 10).Select(i => $"user-{i}").ToArray();
        var clients = users.SelectMany(u => new[] { (User: u, Client: a.CreateClient(u, "system:authenticated")), (User: u, Client: b.CreateClient(u, "system:authenticated")) }).ToArray();
        try
        {
            var created = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
            {
                var (user, client) = clients[i % clients.Length];
                using var response = await client.PostAsync("/v1/api-keys", MaasApiServer.Json($$"""{"name":"key-{{i}}"}"""));
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                return (User: user, Id: JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("jti").GetString()!);
            }));

            Assert.Equal(200, created.Select(c => c.Id).Distinct().Count());
            foreach (var (user, client) in clients)
            {
                using var list = JsonDocument.Parse(await client.GetStringAsync("/v1/api-keys"));
                var listed = list.RootElement.EnumerateArray().Select(k => k.GetProperty("id").GetString()).Order().ToArray();
                Assert.Equal(created.Where(c => c.User == user).Select(c => c.Id).Order().ToArray(), listed);
            }
        }
        finally
        {
            foreach (var (_, client) in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_key_rotated_on_one_host_fails_as_expired_on_another_at_the_grace_end_and_the_audit_is_shared()
    {
        var url = await NewDatabaseUrlAsync();
        await using var a = await MaasApiServer.StartAsync(["--storage=external", "--db-connection-url", url], AuditRequests.Administrators);
        await using var b = await MaasApiServer.StartAsync(["--storage=external", "--db-connection-url", url], AuditRequests.Administrators);
        using var aliceOnA = a.CreateClient("alice", "system:authenticated");
        var (oldKey, oldId) = await RotationRequests.CreateKeyAsync(aliceOnA, "shared");
        var validatorOnB = b.Services.GetRequiredService<CredentialValidationService>();

        // B remembers the old key (valid for 30 days) before the rotation.
        Assert.True((await validatorOnB.ValidateAsync(oldKey)).IsValid);
        var (newKey, _) = await RotationRequests.RotateAsync(aliceOnA, oldId, "10m");
        Assert.True((await validatorOnB.ValidateAsync(newKey)).IsValid);

        a.Clock.Advance(TimeSpan.FromMinutes(10));
        b.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.True(await PollAsync(async () => (await validatorOnB.ValidateAsync(oldKey)).Failure == ValidationFailure.Expired, TimeSpan.FromSeconds(1)),
            "host B still accepted the rotated key 1 second after its grace ended");
        Assert.True((await validatorOnB.ValidateAsync(newKey)).IsValid);

        using var adminOnB = b.CreateClient("root", "system:authenticated", "maas-admins");
        var entries = await AuditRequests.ReadAllAsync(adminOnB, "");
        Assert.Equal(["rotate", "create"], entries.Select(e => e.GetProperty("action").GetString()));
    }

    [Fact]
    public async Task Creates_while_the_database_stops_answer_201_or_503_and_every_key_left_has_its_create_entry()
    {
        var connectionString = await server.CreateDatabaseAsync();
        var url = server.ConnectionUrl(new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!);
        await using var host = await MaasApiServer.StartAsync(["--storage=external", "--db-connection-url", url]);
        const int Writers = 16;
        var answers = new System.Collections.Concurrent.ConcurrentBag<(HttpStatusCode Status, string? Id)>();
        var createdBefore = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refusedDuring = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stopCreating = new CancellationTokenSource();

        async Task CreateUntilToldAsync(int writer)
        {
            using var client = host.CreateClient($"user-{writer}", "system:authenticated");
            while (!stopCreating.IsCancellationRequested)
            {
                using var response = await client.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"during"}"""));
                string? id = null;
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    id = body.RootElement.GetProperty("jti").GetString();
                }

                answers.Add((response.StatusCode, id));
                if (answers.Count(a => a.Status == HttpStatusCode.Created) >= 40)
                {
                    createdBefore.TrySetResult();
                }

                if (answers.Count(a => a.Status == HttpStatusCode.ServiceUnavailable) >= Writers * 2)
                {
                    refusedDuring.TrySetResult();
                }
            }
        }

        var writers = Enumerable.Range(0, Writers).Select(i => Task.Run(() => CreateUntilToldAsync(i))).ToArray();
        try
        {
            // Stopped (sessions terminated) while creates are in flight.
            await createdBefore.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await server.StopAsync();
            await refusedDuring.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            await stopCreating.CancelAsync();
            await Task.WhenAll(writers);
            await server.StartAsync();
        }

        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable, $"answered {a.Status}"));
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        async Task<long> CountAsync(string sql)
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, connection);
            return (long)(await command.ExecuteScalarAsync())!;
        }

        Assert.Equal(0, await CountAsync(
            "SELECT count(*) FROM api_keys k WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.key_id = k.id AND a.action = 'create')"));
        var acknowledged = answers.Where(a => a.Id is not null).Select(a => a.Id!).ToArray();
        await using var stored = new Npgsql.NpgsqlCommand("SELECT count(*) FROM api_keys WHERE id = ANY(@ids)", connection);
        stored.Parameters.AddWithValue("ids", acknowledged);
        Assert.Equal((long)acknowledged.Length, (long)(await stored.ExecuteScalarAsync())!);
    }

    private async Task<string> NewDatabaseUrlAsync()
    {
        var connectionString = await server.CreateDatabaseAsync();
        return server.ConnectionUrl(new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!);
    }

    private static async Task<string> TokenAsync(HttpClient client)
    {
        using var response = await client.PostAsync("/v1/tokens", MaasApiServer.Json("{}"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
    }
}
