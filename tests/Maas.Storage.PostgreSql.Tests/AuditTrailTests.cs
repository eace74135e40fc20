using Maas.Auditing;
using Maas.Storage.Migrations;
using Maas.Storage.PostgreSql.Migrations;
using Maas.Testing;
using Npgsql;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>What the external store adds to the audit conformance suite: the trail outlives the server, refuses changes, and pages by index.</summary>
[Collection(RestartedServerCollectionDefinition.Name)]
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

    private const string Upsert =
        "INSERT INTO audit_log (sequence, at, action, actor, subject) OVERRIDING SYSTEM VALUE " +
        "SELECT sequence, at, action, 'mallory', subject FROM audit_log ON CONFLICT (sequence) DO UPDATE SET actor = excluded.actor";

    private const string Replica = "SET session_replication_role = replica; ";

    /// <summary>
    /// Every statement that changes, replaces or removes an entry, also as a superuser in a session
    /// that says it is a replica (ordinary triggers do not fire there): each must be refused.
    /// </summary>
    public static TheoryData<string> RewritingStatements { get; } = new()
    {
        "UPDATE audit_log SET actor = 'mallory'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        Upsert,
        "MERGE INTO audit_log a USING (SELECT sequence FROM audit_log) v ON a.sequence = v.sequence WHEN MATCHED THEN UPDATE SET actor = 'mallory'",
        "MERGE INTO audit_log a USING (SELECT sequence FROM audit_log) v ON a.sequence = v.sequence WHEN MATCHED THEN DELETE",
        "WITH gone AS (DELETE FROM audit_log RETURNING *) INSERT INTO audit_log (at, action, actor, subject) SELECT at, action, 'mallory', subject FROM gone",
        Replica + "UPDATE audit_log SET actor = 'mallory'",
        Replica + "DELETE FROM audit_log",
        Replica + "TRUNCATE audit_log",
        Replica + Upsert,
    };

    [Theory]
    [MemberData(nameof(RewritingStatements))]
    public async Task The_database_refuses_every_statement_that_changes_replaces_or_removes_an_audit_entry_even_for_its_owner(string sql)
    {
        var store = await _database.CreateInitializedStoreAsync();
        await store.AppendAsync(AuditLogConformanceTests.Entry(1));

        await AssertRefusedAndUnchangedAsync(sql);
    }

    [Theory]
    [MemberData(nameof(RewritingStatements))]
    public async Task A_database_of_the_previous_schema_refuses_them_too_once_migrated(string sql)
    {
        // Schema version 4, with one entry: its triggers did not fire for a replica session.
        await using (var dataSource = _database.CreateDataSource())
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await new SchemaMigrator(PostgreSqlSchema.Migrations.Take(4), new PostgreSqlMigrationDialect()).MigrateAsync(connection);
        }

        await _database.ExecuteScalarAsync("INSERT INTO audit_log (at, action, actor, subject, key_id) VALUES (now(), 'create', 'alice', 'alice', 'key-1')");
        var store = _database.CreateStore();
        Assert.Equal(4, (await store.InitializeAsync()).FromVersion);

        await AssertRefusedAndUnchangedAsync(sql);
    }

    [Fact]
    public async Task A_key_whose_creation_entry_cannot_be_written_is_not_stored()
    {
        var store = await _database.CreateInitializedStoreAsync();

        // The database refuses this one entry, after the key's row went in.
        await _database.ExecuteScalarAsync(
            """
            CREATE FUNCTION refuse_mallory() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
            CREATE TRIGGER refuse_mallory BEFORE INSERT ON audit_log FOR EACH ROW WHEN (NEW.actor = 'mallory') EXECUTE FUNCTION refuse_mallory();
            """);
        var refused = TestKeys.Create("mallory");

        var error = await Assert.ThrowsAsync<PostgresException>(async () =>
            await store.AddAsync(refused, AuditLogConformanceTests.Entry(1, actor: "mallory", subject: "mallory", keyId: refused.Id)));

        Assert.Equal("refused", error.MessageText);
        Assert.Null(await store.FindByHashAsync(refused.Hash));
        Assert.Equal(0L, await _database.ExecuteScalarAsync("SELECT count(*) FROM api_keys"));
        Assert.Equal(0L, await _database.ExecuteScalarAsync("SELECT count(*) FROM audit_log"));
    }

    [Fact]
    public async Task A_limits_change_whose_entry_cannot_be_written_changes_no_limits()
    {
        var store = await _database.CreateInitializedStoreAsync();
        var key = TestKeys.Create("alice") with { Limits = new Maas.ApiKeys.ApiKeyLimits { Requests = 7 } };
        await store.AddAsync(key);

        // The database refuses this one entry, after the key's row was updated in the same transaction.
        await _database.ExecuteScalarAsync(
            """
            CREATE FUNCTION refuse_mallory() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
            CREATE TRIGGER refuse_mallory BEFORE INSERT ON audit_log FOR EACH ROW WHEN (NEW.actor = 'mallory') EXECUTE FUNCTION refuse_mallory();
            """);
        var entry = new AuditEntry { At = TestKeys.Epoch.AddHours(1), Action = AuditAction.SetLimits, Actor = "mallory", Subject = "alice", KeyId = key.Id, Detail = "{}" };

        var error = await Assert.ThrowsAsync<PostgresException>(async () =>
            await store.SetLimitsAsync(key.Id, new Maas.ApiKeys.ApiKeyLimits { Requests = 1 }, entry));

        Assert.Equal("refused", error.MessageText);
        Assert.Equal(7, (await store.GetAsync("alice", key.Id))!.Limits!.Requests);
        Assert.Equal(7, (await _database.CreateStore().FindByHashAsync(key.Hash))!.Limits!.Requests);
        Assert.Equal(0L, await _database.ExecuteScalarAsync("SELECT count(*) FROM audit_log"));
    }

    private async Task AssertRefusedAndUnchangedAsync(string sql)
    {
        const string Snapshot = "SELECT string_agg(concat_ws('|', sequence, at, action, actor, subject, key_id), ';' ORDER BY sequence) FROM audit_log";
        var before = (string?)await _database.ExecuteScalarAsync(Snapshot);

        var error = await Assert.ThrowsAsync<PostgresException>(() => _database.ExecuteScalarAsync(sql));

        Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
        Assert.NotNull(before);
        Assert.Equal(before, await _database.ExecuteScalarAsync(Snapshot));
        Assert.Equal("alice", await _database.ExecuteScalarAsync("SELECT actor FROM audit_log ORDER BY sequence LIMIT 1"));
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
        await using var command = PostgreSqlAuditLog.QueryCommand(query, connection);
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
