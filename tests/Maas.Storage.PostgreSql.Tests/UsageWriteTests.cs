using Maas.ApiKeys;
using Maas.Testing;
using Npgsql;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>
/// The <c>last_used_at</c> write-back is best effort: its commit does not wait for the WAL, and
/// that setting stays in its own transaction, so a revocation on the same pooled connection still does.
/// </summary>
public sealed class UsageWriteTests(PostgreSqlServer server)
{
    [Fact]
    public async Task A_usage_flush_commits_without_waiting_for_the_wal_and_the_next_write_on_its_connection_waits_again()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        // The test server commits asynchronously everywhere; this database as a production one does.
        await database.ExecuteScalarAsync($"ALTER DATABASE \"{database.Name}\" SET synchronous_commit = on");
        await using var dataSource = database.CreateDataSource(new PostgreSqlStorageOptions { ConnectionUrl = database.Url, MaxOpenConnections = 1 });
        var store = new PostgreSqlKeyStore(dataSource);
        await store.InitializeAsync();
        var key = TestKeys.Create("alice");
        await store.AddAsync(key);

        // What synchronous_commit was when each update of a key ran.
        await database.ExecuteScalarAsync(
            """
            CREATE TABLE seen_commit_modes (mode text NOT NULL);
            CREATE FUNCTION record_commit_mode() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO seen_commit_modes VALUES (current_setting('synchronous_commit'));
                RETURN NEW;
            END
            $$;
            CREATE TRIGGER record_commit_mode AFTER UPDATE ON api_keys FOR EACH ROW EXECUTE FUNCTION record_commit_mode();
            """);

        await store.RecordUsageAsync([new KeyUsage(key.Id, TestKeys.Epoch.AddMinutes(1))]);
        Assert.True(await store.RevokeAsync("alice", key.Id, TestKeys.Epoch.AddMinutes(2)));

        Assert.Equal(TestKeys.Epoch.AddMinutes(1), (await store.FindByIdAsync(key.Id))!.LastUsedAt);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT string_agg(mode, ',') FROM seen_commit_modes", connection);
        Assert.Equal("off,on", await command.ExecuteScalarAsync());
    }
}
