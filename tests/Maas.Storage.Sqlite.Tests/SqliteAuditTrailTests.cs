using Maas.Auditing;
using Maas.Testing;
using Microsoft.Data.Sqlite;

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
    public async Task Audit_entries_appended_while_keys_are_added_commit_with_them_and_a_duplicate_key_fails_alone()
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
                await store.AddAsync(key);
                await store.AppendAsync(AuditLogConformanceTests.Entry(i, keyId: key.Id));
            }).ToList();
            writes.Add(Assert.ThrowsAsync<Maas.ApiKeys.DuplicateKeyException>(async () => await store.AddAsync(duplicate)));
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
        foreach (var key in keys)
        {
            Assert.Equal(key.Owner, (await reopened.FindByHashAsync(key.Hash))?.Owner);
        }
    }

    [Theory]
    [InlineData("UPDATE audit_log SET actor = 'mallory'")]
    [InlineData("DELETE FROM audit_log")]
    public async Task The_file_refuses_to_change_or_remove_an_audit_entry(string sql)
    {
        var path = _folder.Combine("append-only.db");
        await using (var store = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = path }))
        {
            await store.InitializeAsync();
            await store.AppendAsync(AuditLogConformanceTests.Entry(1));
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;

        var error = Assert.Throws<SqliteException>(() => command.ExecuteNonQuery());
        Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        command.CommandText = "SELECT actor FROM audit_log";
        Assert.Equal("alice", command.ExecuteScalar());
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
