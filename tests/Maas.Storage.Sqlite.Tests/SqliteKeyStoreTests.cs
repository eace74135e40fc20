using Maas.Storage.Migrations;
using Maas.Testing;
using Microsoft.Data.Sqlite;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.Sqlite.Tests;

public sealed class SqliteKeyStoreTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Opening_an_empty_folder_creates_the_file_and_migrates_to_the_latest_version()
    {
        var path = _folder.Combine("nested", "deeper", "maas-api.db");

        await using (var store = await OpenAsync(path))
        {
            Assert.True(File.Exists(path));
        }

        using var connection = Connect(path);
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal((long)SqliteSchema.Migrations.Count, Scalar(connection, "SELECT COUNT(*) FROM maas_schema_version"));
        Assert.Equal((long)SqliteSchema.Migrations.Count, Scalar(connection, "SELECT MAX(version) FROM maas_schema_version"));
        Assert.Equal(1L, Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_api_keys_owner_created'"));
        Assert.Equal(1L, Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'owner_revocations'"));
    }

    [Fact]
    public async Task New_database_and_its_wal_and_shm_files_are_readable_by_their_owner_only()
    {
        var path = _folder.Combine("private", "maas-api.db");
        await using var store = await OpenAsync(path);
        await store.AddAsync(TestKeys.Create("alice"));

        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            Assert.True(File.Exists(file), file);
            Assert.True(!OperatingSystem.IsWindows() && File.GetUnixFileMode(file) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), $"{file} is not 0600");
        }
    }

    [Fact]
    public async Task Concurrent_adds_commit_together_and_a_duplicate_fails_alone()
    {
        var path = _folder.Combine("group-commit.db");
        await using var store = await OpenAsync(path);
        var originals = Enumerable.Range(0, 600).Select(i => TestKeys.Create($"owner-{i % 7}")).ToArray();
        var duplicates = originals.Take(40).Select(k => TestKeys.Create("intruder", id: k.Id)).ToArray();
        var all = originals.Concat(duplicates).OrderBy(_ => Random.Shared.Next()).ToArray();

        var outcomes = await Task.WhenAll(all.Select(async key =>
        {
            await Task.Yield();
            try
            {
                await store.AddAsync(key);
                return (key, Failure: (Exception?)null);
            }
            catch (Exception ex)
            {
                return (key, Failure: ex);
            }
        }));

        Assert.All(outcomes, o => Assert.True(o.Failure is null or Maas.ApiKeys.DuplicateKeyException, o.Failure?.ToString()));
        foreach (var group in outcomes.GroupBy(o => o.key.Id))
        {
            Assert.Equal(1, group.Count(o => o.Failure is null));
        }

        Assert.Equal(600, outcomes.Count(o => o.Failure is null));
        await using var reopened = await OpenAsync(path);
        foreach (var accepted in outcomes.Where(o => o.Failure is null))
        {
            Assert.Equal(accepted.key.Owner, (await reopened.FindByHashAsync(accepted.key.Hash))?.Owner);
        }
    }

    [Fact]
    public async Task An_add_cancelled_while_it_waits_for_the_writer_is_never_written_and_the_queue_goes_on()
    {
        await using var store = await OpenAsync(_folder.Combine("cancelled.db"));
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holding = Task.Run(() => store.Database.WriteAsync(
            (_, _) =>
            {
                entered.Set();
                release.Wait(CancellationToken.None);
                return 0;
            },
            CancellationToken.None));
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)), "the writer was never taken");

        var withdrawn = TestKeys.Create("alice");
        var kept = TestKeys.Create("bob");
        using var cancel = new CancellationTokenSource();
        var cancelled = store.AddAsync(withdrawn, AuditLogConformanceTests.Entry(1, keyId: withdrawn.Id), cancel.Token).AsTask();
        var waiting = store.AddAsync(kept, AuditLogConformanceTests.Entry(2, actor: "bob", keyId: kept.Id)).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        release.Set();
        await holding;
        await waiting;
        Assert.Null(await store.FindByHashAsync(withdrawn.Hash));
        Assert.Equal("bob", (await store.FindByHashAsync(kept.Hash))?.Owner);
        Assert.Equal(kept.Id, Assert.Single((await store.QueryAsync(new Maas.Auditing.AuditQuery())).Entries).KeyId);
    }

    [Fact]
    public async Task A_burst_of_parallel_reads_leaves_a_bounded_pool_and_disposal_closes_every_connection()
    {
        var path = _folder.Combine("readers.db");
        var store = await OpenAsync(path);
        var key = TestKeys.Create("alice");
        await store.AddAsync(key);
        await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            await Task.Yield();
            Assert.NotNull(await store.FindByHashAsync(key.Hash));
        }));

        await store.DisposeAsync();

        // With every connection closed, the WAL is checkpointed away and the file can be replaced.
        Assert.False(File.Exists(path + "-wal"), "a connection stayed open after disposal");
        File.Move(path, path + ".moved");
    }

    [Fact]
    public async Task Reopening_keeps_keys_revocations_and_the_schema_version()
    {
        var path = _folder.Combine("maas-api.db");
        var key = TestKeys.Create("alice", description: "kept");
        var other = TestKeys.Create("bob");
        await using (var store = await OpenAsync(path))
        {
            await store.AddAsync(key);
            await store.AddAsync(other);
            await store.RevokeAllAsync("bob", TestKeys.Epoch.AddHours(1));
            await store.RecordUsageAsync([new Maas.ApiKeys.KeyUsage(key.Id, TestKeys.Epoch.AddMinutes(1))]);
        }

        await using (var reopened = await OpenAsync(path))
        {
            var found = await reopened.GetAsync("alice", key.Id);
            Assert.Equal(key.Name, found!.Name);
            Assert.Equal(key.Hash, found.Hash);
            Assert.Equal(TestKeys.Epoch.AddMinutes(1), found.LastUsedAt);
            Assert.Equal(TestKeys.Epoch.AddHours(1), (await reopened.GetAsync("bob", other.Id))!.RevokedAt);
            Assert.Equal(TestKeys.Epoch.AddHours(1), await reopened.GetRevokedBeforeAsync("bob"));
        }

        using var connection = Connect(path);
        Assert.Equal((long)SqliteSchema.Migrations.Count, Scalar(connection, "SELECT COUNT(*) FROM maas_schema_version"));
    }

    [Fact]
    public async Task A_database_of_a_newer_version_is_refused_with_a_clear_message()
    {
        var path = _folder.Combine("maas-api.db");
        await (await OpenAsync(path)).DisposeAsync();
        using (var connection = Connect(path))
        {
            Execute(connection, "INSERT INTO maas_schema_version (version, description, applied_at) VALUES (99, 'from the future', '2040-01-01')");
        }

        var error = await Assert.ThrowsAsync<SchemaTooNewException>(() => OpenAsync(path));

        Assert.Equal($"database schema version 99 is newer than this build supports ({SqliteSchema.Migrations.Count}); upgrade Maas", error.Message);
        Assert.Equal(99, error.DatabaseVersion);
    }

    [Fact]
    public async Task Two_stores_on_one_file_see_each_others_writes()
    {
        var path = _folder.Combine("shared.db");
        await using var first = await OpenAsync(path);
        await using var second = await OpenAsync(path);
        var key = TestKeys.Create("alice");

        await first.AddAsync(key);
        Assert.Equal(key.Id, (await second.FindByHashAsync(key.Hash))!.Id);

        Assert.True(await second.RevokeAsync("alice", key.Id, TestKeys.Epoch.AddMinutes(1)));
        Assert.Equal(TestKeys.Epoch.AddMinutes(1), (await first.GetAsync("alice", key.Id))!.RevokedAt);
        await Assert.ThrowsAsync<Maas.ApiKeys.DuplicateKeyException>(async () => await second.AddAsync(TestKeys.Create("bob", id: key.Id)));
    }

    [Fact]
    public async Task Stores_opened_together_on_a_new_file_migrate_once()
    {
        var path = _folder.Combine("together.db");

        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => OpenAsync(path))));
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }

        using var connection = Connect(path);
        Assert.Equal((long)SqliteSchema.Migrations.Count, Scalar(connection, "SELECT COUNT(*) FROM maas_schema_version"));
    }

    [Fact]
    public async Task A_path_that_cannot_be_created_fails_naming_the_path()
    {
        var blocker = _folder.Combine("not-a-folder");
        await File.WriteAllTextAsync(blocker, "a file where a folder should be");
        var path = Path.Combine(blocker, "maas-api.db");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => OpenAsync(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_use_wal_full_sync_busy_timeout_and_foreign_keys()
    {
        await using var store = await OpenAsync(_folder.Combine("pragmas.db"));

        static long[] Pragmas(SqliteSession session) =>
        [
            (long)(Scalar(session.Connection, "PRAGMA journal_mode") is "wal" ? 1 : 0),
            (long)Scalar(session.Connection, "PRAGMA synchronous")!,
            (long)Scalar(session.Connection, "PRAGMA busy_timeout")!,
            (long)Scalar(session.Connection, "PRAGMA foreign_keys")!,
        ];

        long[] expected = [1, 2, 30_000, 1];
        Assert.Equal(expected, await store.Database.WriteAsync((session, _) => Pragmas(session), CancellationToken.None));
        Assert.Equal(expected, await store.Database.ReadAsync(Pragmas, CancellationToken.None));
    }

    [Fact]
    public async Task Calls_before_initialization_fail_clearly()
    {
        await using var store = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = _folder.Combine("late.db") });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.GetAsync("alice", "id"));
        Assert.Contains("InitializeAsync", error.Message, StringComparison.Ordinal);
    }

    private static async Task<SqliteKeyStore> OpenAsync(string path)
    {
        var store = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = path });
        try
        {
            await store.InitializeAsync();
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    private static SqliteConnection Connect(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
