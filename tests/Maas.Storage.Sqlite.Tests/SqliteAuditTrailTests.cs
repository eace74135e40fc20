using Maas.Auditing;
using Maas.Storage.Migrations;
using Maas.Testing;
using Microsoft.Data.Sqlite;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.Sqlite.Tests;

/// <summary>What the disk store adds to the audit conformance suite: the file keeps it, and refuses to change it.</summary>
public sealed class SqliteAuditTrailTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Audit_entries_and_rotation_links_survive_closing_and_reopening_the_file()
    {
        var path = _folder.Combine("maas-api.db");
        var old = TestKeys.Create("alice");
        var rotated = old with { Id = TestKeys.NewId(), Hash = TestKeys.NewHash(), RotatedFrom = old.Id };
        var store = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = path });
        await using (store)
        {
            await store.InitializeAsync();
            await store.AddAsync(old);
            await store.AppendAsync(AuditLogConformanceTests.Entry(1));
            await store.RotateAsync(new Maas.ApiKeys.KeyRotation
            {
                Owner = "alice",
                KeyId = old.Id,
                Replacement = rotated,
                GraceEndsAt = TestKeys.Epoch.AddHours(1),
                At = TestKeys.Epoch.AddMinutes(2),
                Audit = AuditLogConformanceTests.Entry(2, AuditAction.Rotate, keyId: rotated.Id, replacedKeyId: old.Id),
            });
        }

        await using var reopened = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = path });
        await reopened.InitializeAsync();
        var page = await reopened.QueryAsync(new AuditQuery());
        Assert.Equal([AuditAction.Rotate, AuditAction.Create], page.Entries.Select(e => e.Action));
        Assert.Equal(AuditLogConformanceTests.Entry(1) with { Sequence = page.Entries[1].Sequence }, page.Entries[1]);
        Assert.Equal(rotated.Id, (await reopened.GetAsync("alice", old.Id))!.ReplacedBy);
        Assert.Equal(old.Id, (await reopened.GetAsync("alice", rotated.Id))!.RotatedFrom);
    }

    [Fact]
    public async Task Keys_with_their_entries_and_entries_alone_commit_together_and_a_duplicate_key_fails_alone_without_its_entry()
    {
        var path = _folder.Combine("mixed.db");
        var keys = Enumerable.Range(0, 200).Select(i => TestKeys.Create($"owner-{i % 5}")).ToArray();
        var duplicate = TestKeys.Create("intruder", id: keys[0].Id);
        await using (var store = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = path }))
        {
            await store.InitializeAsync();
            await store.AddAsync(keys[0]);
            var writes = keys.Skip(1).Select(async (key, i) =>
            {
                await Task.Yield();
                if (i % 2 == 0)
                {
                    await store.AddAsync(key, AuditLogConformanceTests.Entry(i, keyId: key.Id));
                }
                else
                {
                    // A revocation's entry is appended alone, queued among the adds.
                    await store.AddAsync(key);
                    await store.AppendAsync(AuditLogConformanceTests.Entry(i, keyId: key.Id));
                }
            }).ToList();
            writes.Add(Assert.ThrowsAsync<Maas.ApiKeys.DuplicateKeyException>(
                async () => await store.AddAsync(duplicate, AuditLogConformanceTests.Entry(0, actor: "intruder", keyId: duplicate.Id))));
            await Task.WhenAll(writes);
        }

        await using var reopened = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = path });
        await reopened.InitializeAsync();
        var audited = new List<AuditEntry>();
        AuditPage page;
        var query = new AuditQuery { Limit = AuditQuery.MaxLimit };
        do
        {
            page = await reopened.QueryAsync(query);
            audited.AddRange(page.Entries);
            query = query with { After = page.Next };
        }
        while (page.Next is not null);

        Assert.Equal(keys.Skip(1).Select(k => k.Id).Order(), audited.Select(e => e.KeyId!).Order());
        Assert.DoesNotContain(audited, e => e.Actor == "intruder");
        foreach (var key in keys)
        {
            Assert.Equal(key.Owner, (await reopened.FindByHashAsync(key.Hash))?.Owner);
        }
    }

    /// <summary>Every statement that changes, replaces or removes an entry: each must be refused by the file itself.</summary>
    public static TheoryData<string> RewritingStatements { get; } = new()
    {
        "UPDATE audit_log SET actor = 'mallory'",
        "UPDATE OR REPLACE audit_log SET sequence = sequence + 1",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE sequence = 1",
        // REPLACE removes the conflicting row without a DELETE trigger (recursive triggers are off).
        "INSERT OR REPLACE INTO audit_log (sequence, at, action, actor, subject) VALUES (1, 0, 'create', 'mallory', 'mallory')",
        "REPLACE INTO audit_log (sequence, at, action, actor, subject) VALUES (1, 0, 'create', 'mallory', 'mallory')",
        "INSERT OR REPLACE INTO audit_log (sequence, at, action, actor, subject) SELECT sequence, at, action, 'mallory', subject FROM audit_log",
        "PRAGMA recursive_triggers = ON; INSERT OR REPLACE INTO audit_log (sequence, at, action, actor, subject) VALUES (1, 0, 'create', 'mallory', 'mallory')",
        "INSERT INTO audit_log (sequence, at, action, actor, subject) VALUES (1, 0, 'create', 'mallory', 'mallory') " +
            "ON CONFLICT (sequence) DO UPDATE SET actor = excluded.actor",
        "INSERT INTO audit_log (sequence, at, action, actor, subject) VALUES (1, 0, 'create', 'mallory', 'mallory') ON CONFLICT DO UPDATE SET actor = 'mallory'",
    };

    [Theory]
    [MemberData(nameof(RewritingStatements))]
    public async Task The_file_refuses_every_statement_that_changes_replaces_or_removes_an_audit_entry(string sql)
    {
        var path = _folder.Combine("append-only.db");
        await using (var store = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = path }))
        {
            await store.InitializeAsync();
            await store.AppendAsync(AuditLogConformanceTests.Entry(1));
        }

        AssertRefusedAndUnchanged(path, sql);
    }

    [Theory]
    [MemberData(nameof(RewritingStatements))]
    public async Task A_file_of_the_previous_schema_refuses_them_too_once_opened(string sql)
    {
        var path = _folder.Combine("version-3.db");
        using (var connection = Connect(path))
        {
            // Schema version 3: the trail with only its UPDATE and DELETE triggers, and one entry.
            await new SchemaMigrator(SqliteSchema.Migrations.Take(3), SqliteSchema.SqliteMigrationDialect.Instance).MigrateAsync(connection);
            Execute(connection, "INSERT INTO audit_log (at, action, actor, subject, key_id) VALUES (0, 'create', 'alice', 'alice', 'key-1')");
        }

        await using (var store = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = path }))
        {
            await store.InitializeAsync();
            await store.AppendAsync(AuditLogConformanceTests.Entry(1, actor: "bob"));
        }

        AssertRefusedAndUnchanged(path, sql);
        using var reopened = Connect(path);
        Assert.Equal((long)SqliteSchema.Migrations.Count, Scalar(reopened, "SELECT MAX(version) FROM maas_schema_version"));
        Assert.Equal("bob", Scalar(reopened, "SELECT actor FROM audit_log WHERE sequence = 2"));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    public async Task An_entry_written_by_hand_below_sequence_1_is_refused_and_appends_keep_working(long sequence)
    {
        var path = _folder.Combine("negative.db");
        await using var store = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = path });
        await store.InitializeAsync();

        using (var connection = Connect(path))
        {
            var error = Assert.Throws<SqliteException>(() => Execute(
                connection, $"INSERT INTO audit_log (sequence, at, action, actor, subject) VALUES ({sequence}, 0, 'create', 'mallory', 'mallory')"));
            Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        }

        await store.AppendAsync(AuditLogConformanceTests.Entry(1));
        var entry = Assert.Single((await store.QueryAsync(new AuditQuery())).Entries);
        Assert.Equal(1, entry.Sequence);
    }

    [Fact]
    public async Task A_key_whose_creation_entry_cannot_be_written_is_not_stored()
    {
        var path = _folder.Combine("refusing.db");
        await using var store = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = path });
        await store.InitializeAsync();
        using (var connection = Connect(path))
        {
            // The file refuses this one entry, after the key's row went in (another program's trigger).
            Execute(connection, "CREATE TRIGGER refuse_mallory BEFORE INSERT ON audit_log WHEN NEW.actor = 'mallory' BEGIN SELECT RAISE(ABORT, 'refused'); END");
        }

        var refused = TestKeys.Create("mallory");
        var error = await Assert.ThrowsAsync<SqliteException>(async () =>
            await store.AddAsync(refused, AuditLogConformanceTests.Entry(1, actor: "mallory", subject: "mallory", keyId: refused.Id)));
        Assert.Contains("refused", error.Message, StringComparison.Ordinal);

        Assert.Null(await store.FindByHashAsync(refused.Hash));
        Assert.Empty((await store.QueryAsync(new AuditQuery())).Entries);
        var accepted = TestKeys.Create("alice");
        await store.AddAsync(accepted, AuditLogConformanceTests.Entry(2, keyId: accepted.Id));
        Assert.Equal("alice", (await store.FindByHashAsync(accepted.Hash))?.Owner);
        Assert.Equal(accepted.Id, Assert.Single((await store.QueryAsync(new AuditQuery())).Entries).KeyId);
    }

    [Fact]
    public async Task A_limits_change_whose_entry_cannot_be_written_changes_no_limits()
    {
        var path = _folder.Combine("limits.db");
        await using var store = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = path });
        await store.InitializeAsync();
        var key = TestKeys.Create("alice") with { Limits = new Maas.ApiKeys.ApiKeyLimits { Requests = 7 } };
        await store.AddAsync(key);
        using (var connection = Connect(path))
        {
            // The file refuses this one entry, after the key's row was updated in the same transaction.
            Execute(connection, "CREATE TRIGGER refuse_mallory BEFORE INSERT ON audit_log WHEN NEW.actor = 'mallory' BEGIN SELECT RAISE(ABORT, 'refused'); END");
        }

        var entry = new AuditEntry { At = TestKeys.Epoch.AddHours(1), Action = AuditAction.SetLimits, Actor = "mallory", Subject = "alice", KeyId = key.Id, Detail = "{}" };
        var error = await Assert.ThrowsAsync<SqliteException>(async () =>
            await store.SetLimitsAsync(key.Id, new Maas.ApiKeys.ApiKeyLimits { Requests = 1 }, entry));

        Assert.Contains("refused", error.Message, StringComparison.Ordinal);
        Assert.Equal(7, (await store.GetAsync("alice", key.Id))!.Limits!.Requests);
        Assert.Equal(7, (await store.FindByHashAsync(key.Hash))!.Limits!.Requests);
        Assert.Empty((await store.QueryAsync(new AuditQuery())).Entries);
        await using var reopened = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = path });
        await reopened.InitializeAsync();
        Assert.Equal(7, (await reopened.FindByHashAsync(key.Hash))!.Limits!.Requests);
    }

    private static void AssertRefusedAndUnchanged(string path, string sql)
    {
        using var connection = Connect(path);
        var before = Snapshot(connection);

        var error = Assert.Throws<SqliteException>(() => Execute(connection, sql));

        Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(connection));
        Assert.DoesNotContain("mallory", Snapshot(connection), StringComparison.Ordinal);
    }

    private static string Snapshot(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence, at, action, actor, subject, key_id FROM audit_log ORDER BY sequence";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        }

        Assert.NotEmpty(rows);
        return string.Join('\n', rows);
    }

    private static SqliteConnection Connect(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    [Fact]
    public async Task A_deep_cursor_page_is_an_index_range_not_a_scan()
    {
        var path = _folder.Combine("plan.db");
        await using (var store = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = path }))
        {
            await store.InitializeAsync();
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText =
            "EXPLAIN QUERY PLAN SELECT sequence FROM audit_log WHERE (at < 5 OR (at = 5 AND sequence < 9)) ORDER BY at DESC, sequence DESC LIMIT 51";
        var plan = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.Contains(plan, step => step.Contains("ix_audit_log_at", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }
}
