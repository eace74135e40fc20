using Maas.Auditing;
using Maas.Testing;
using Npgsql;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>What the external store adds to the audit conformance suite: the trail outlives the server, refuses changes, and pages by index.</summary>
[Collection(ServerCollectionDefinition.Name)]
public sealed class AuditTrailTests(PostgreSqlServer server) : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync(server);

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Audit_entries_survive_a_server_restart_and_a_new_replica()
    {
        var store = await _database.CreateInitializedStoreAsync();
        await store.AppendAsync(AuditLogConformanceTests.Entry(1));
        await store.AppendAsync(AuditLogConformanceTests.Entry(2, AuditAction.RevokeAll, keyId: null, count: 3));

        await server.StopAsync();
        await server.StartAsync();

        var replica = await _database.CreateInitializedStoreAsync();
        var page = await replica.QueryAsync(new AuditQuery());
        Assert.Equal([AuditAction.RevokeAll, AuditAction.Create], page.Entries.Select(e => e.Action));
        Assert.Equal(3, page.Entries[0].Count);
        Assert.Equal(AuditLogConformanceTests.Entry(1) with { Sequence = page.Entries[1].Sequence }, page.Entries[1]);
    }

    [Theory]
    [InlineData("UPDATE audit_log SET actor = 'mallory'")]
    [InlineData("DELETE FROM audit_log")]
    [InlineData("TRUNCATE audit_log")]
    public async Task The_database_refuses_to_change_or_remove_an_audit_entry_even_for_its_owner(string sql)
    {
        var store = await _database.CreateInitializedStoreAsync();
        await store.AppendAsync(AuditLogConformanceTests.Entry(1));

        var error = await Assert.ThrowsAsync<PostgresException>(() => _database.ExecuteScalarAsync(sql));

        Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
        Assert.Equal("alice", await _database.ExecuteScalarAsync("SELECT actor FROM audit_log"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("subject")]
    [InlineData("actor")]
    public async Task A_deep_cursor_page_reads_an_index_range_without_sorting(string? filter)
    {
        var store = await _database.CreateInitializedStoreAsync();
        await _database.ExecuteScalarAsync(
            """
            INSERT INTO audit_log (at, action, actor, subject, key_id)
            SELECT timestamptz '2026-01-01' + n * interval '1 second', 'create', 'user' || (n % 5), 'user' || (n % 5), 'k' || n
            FROM generate_series(1, 50000) AS n;
            ANALYZE audit_log;
            """);
        var query = new AuditQuery
        {
            Actor = filter == "actor" ? "user2" : null,
            Subject = filter == "subject" ? "user2" : null,
            After = new AuditPosition(new DateTimeOffset(2026, 1, 1, 3, 0, 0, TimeSpan.Zero), 10_800),
        };

        var plan = await ExplainAsync(query);

        // One of the (…, at DESC, sequence DESC) indexes, read in order from the cursor: the planner
        // picks the filter's own or the instant's by selectivity; either way no full read, no sort.
        Assert.Contains("Index Scan using audit_log_", plan, StringComparison.Ordinal);
        Assert.False(plan.Contains("Sort", StringComparison.Ordinal), plan);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
        Assert.Equal(AuditQuery.DefaultLimit, (await store.QueryAsync(query)).Entries.Count);
    }

    private async Task<string> ExplainAsync(AuditQuery query)
    {
        await using var dataSource = _database.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = PostgreSqlKeyStore.AuditQueryCommand(query, connection);
        command.CommandText = "EXPLAIN " + command.CommandText;
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
