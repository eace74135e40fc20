using System.Diagnostics;
using System.Globalization;
using System.Text;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Storage.PostgreSql;
using Maas.Users;
using Npgsql;

using static Maas.Benchmarks.Scale.ScaleConsole;

namespace Maas.Benchmarks.Scale;

/// <summary>
/// The external store at scale (issue 12): millions of keys in PostgreSQL, loaded with COPY, then
/// the operations whose cost grows with the table: uncached validation of presented keys, the
/// <c>last_used_at</c> write-back of 1,000 keys, validation by several callers with and without those
/// write-backs running (beside the floor of the same callers sending <c>SELECT 1</c>), an owner's
/// first page of search, every cursor page of an owner of 100,000 keys, and an audit append.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project benchmarks/Maas.Benchmarks -- scale [--keys N] [--postgres URL] [--out FILE]</c>.
/// Without <c>--postgres</c> a throwaway server is started as the tests start theirs, with fsync,
/// synchronous commit and full-page writes on, 1 GB of shared buffers and pg_stat_statements; with
/// it, the URL must name an empty database (as a superuser: the run vacuums and checkpoints). After
/// the COPY the table is vacuumed and checkpointed, as a store in use has been. Each operation's
/// row gives the client's latencies and, when pg_stat_statements is there, the server's mean and
/// maximum execution time of its statement, and how many checkpoints started while it ran.
/// Prints a markdown report (and writes it to <c>--out</c>).
/// </remarks>
internal static class ScaleRun
{
    private const int FlushSize = 1_000;
    private const int Flushes = 200;
    private const int ConcurrentValidators = 8;

    public static async Task<int> RunAsync(string[] args)
    {
        var keys = long.Parse(Option(args, "--keys") ?? "10000000", CultureInfo.InvariantCulture);
        var output = Option(args, "--out");
        var url = Option(args, "--postgres");
        if (keys < KeyTableLoader.HeavyOwnerKeys + KeyTableLoader.SampleEvery * 20)
        {
            Console.Error.WriteLine($"--keys must be at least {KeyTableLoader.HeavyOwnerKeys + (KeyTableLoader.SampleEvery * 20):N0}.");
            return 2;
        }

        await using var server = url is null ? await StartServerAsync() : null;
        url ??= server!.Url;
        await using var dataSource = PostgreSqlDataSourceFactory.Create(new PostgreSqlStorageOptions { ConnectionUrl = url, MaxOpenConnections = 40 });
        var store = new PostgreSqlKeyStore(dataSource);
        await store.InitializeAsync();

        var now = TimeProvider.System.GetUtcNow();
        Say($"loading {keys:N0} keys with COPY...");
        var (sample, loadTime) = await KeyTableLoader.LoadAsync(dataSource, keys, now, n => Say($"  {n:N0} keys"));
        Say($"loaded in {loadTime.TotalSeconds:F0} s; {sample.Count:N0} keys kept to present; vacuuming and checkpointing...");
        var settleTime = await KeyTableLoader.SettleAsync(dataSource);
        Say($"vacuumed and checkpointed in {settleTime.TotalSeconds:F0} s");
        var statements = await ServerStatements.CreateAsync(dataSource);
        var tableSize = await ScaleDatabase.ScalarAsync<string>(dataSource, "SELECT pg_size_pretty(pg_total_relation_size('api_keys'))");

        using var subjects = new MaasSubjects(store);
        var random = new Random(12);
        var shuffled = sample.OrderBy(_ => random.Next()).ToArray();

        // Start-up at this size: the membership filter reads every hash once. Then a few keys warm the
        // code paths; they are not presented again.
        Say("loading the membership filter...");
        var filterStarted = Stopwatch.GetTimestamp();
        subjects.Validator.KeyFilter.Reload();
        await subjects.Validator.KeyFilter.Loading;
        var filterLoad = Stopwatch.GetElapsedTime(filterStarted);
        Require(subjects.Validator.KeyFilter.IsLoaded, "the membership filter did not load");
        const int Warmup = 20;
        foreach (var key in shuffled[..Warmup])
        {
            Require((await subjects.Credentials.ValidateAsync(key.Key)).IsValid, "a loaded key did not validate");
        }

        shuffled = shuffled[Warmup..];
        var half = shuffled.Length / 2;

        // 1. Uncached validation, one caller: each key presented once, so every validation reads the store.
        Say("measuring...");
        var validation = new LatencySamples("uncached key validation, 1 caller");
        await statements.StartAsync(validation, @"FROM api_keys WHERE hash = \$1");
        foreach (var key in shuffled[..half])
        {
            var result = await validation.TimeAsync(() => subjects.Credentials.ValidateAsync(key.Key).AsTask());
            Require(result.IsValid, "a loaded key did not validate");
        }

        await statements.StopAsync();

        // 2. The last_used_at write-back of 1,000 keys, as the validator's usage recorder flushes it.
        var flush = new LatencySamples($"last_used_at flush of {FlushSize:N0} keys");
        var stats = await HotUpdatesAsync(dataSource);
        await statements.StartAsync(flush, "^UPDATE api_keys AS k SET last_used_at");
        for (var i = 0; i < Flushes; i++)
        {
            var usages = RandomUsages(random, sample, keys, now.AddSeconds(i + 1));
            await flush.TimeAsync(async () =>
            {
                await store.RecordUsageAsync(usages);
                return true;
            });
        }

        await statements.StopAsync();

        // The statistics collector reports a backend's counts shortly after its transactions end.
        var after = await HotUpdatesAsync(dataSource);
        for (var wait = 0; wait < 50 && after.Updates == stats.Updates; wait++)
        {
            await Task.Delay(100);
            after = await HotUpdatesAsync(dataSource);
        }

        var hotShare = after.Updates > stats.Updates ? (double)(after.Hot - stats.Hot) / (after.Updates - stats.Updates) : double.NaN;

        // 3. Several callers at once, each key presented once: validation with no write-back, then
        // validation while flushes run back to back (a 1,000-key flush per replica every 10 s by
        // default, so this is hundreds of replicas' write-back). Each caller alternates a validation
        // with a SELECT 1 through the same pool, so the floor (what no store change can beat: on
        // 2 cores shared by the callers, the flusher, PostgreSQL and whatever else runs, CPU queueing)
        // is measured at the same moments as the validations it bounds.
        var concurrentKeys = shuffled[half..];

        // A service under this load has that many connections pooled: open them first, or the first
        // validations of the phase would time PostgreSQL forking backends, once, at start-up.
        var warm = await Task.WhenAll(Enumerable.Range(0, ConcurrentValidators + 1).Select(_ => dataSource.OpenConnectionAsync().AsTask()));
        foreach (var connection in warm)
        {
            await connection.DisposeAsync();
        }

        var quiet = new LatencySamples($"uncached key validation, {ConcurrentValidators} callers, no flushes");
        var quietFloor = new LatencySamples($"floor: SELECT 1 between those validations, same callers");
        await statements.StartAsync([(quiet, @"FROM api_keys WHERE hash = \$1"), (quietFloor, @"^SELECT \$?1$")]);
        await ValidateConcurrentlyAsync(subjects, dataSource, concurrentKeys[..(concurrentKeys.Length / 2)], quiet, quietFloor);
        await statements.StopAsync();

        var underLoad = new LatencySamples($"uncached key validation, {ConcurrentValidators} callers, flushes running");
        var floor = new LatencySamples($"floor: SELECT 1 between those validations, same callers");
        var concurrentFlushes = new LatencySamples($"last_used_at flush of {FlushSize:N0} keys, while the {ConcurrentValidators} callers run");
        var flushRandom = new Random(13);
        var flushed = 0;
        await WhileFlushingAsync(store, concurrentFlushes, () => RandomUsages(flushRandom, sample, keys, now.AddMinutes(10).AddSeconds(++flushed)), async () =>
        {
            await statements.StartAsync([(underLoad, @"FROM api_keys WHERE hash = \$1"), (floor, @"^SELECT \$?1$")]);
            await ValidateConcurrentlyAsync(subjects, dataSource, concurrentKeys[(concurrentKeys.Length / 2)..], underLoad, floor);
            await statements.StopAsync();
        });

        // 4. Search: an owner's first page (a user of ten keys), and the pages deep into the heavy
        // owner's 100,000 keys by cursor, newest first, 50 a page, as the self-service page and
        // clients walk them. A SELECT 1 after each first page gives the floor at the same moments.
        var firstPage = new LatencySamples("search: an owner's first page (50)");
        var searchFloor = new LatencySamples("floor: SELECT 1 between those searches");
        await statements.StartAsync([(firstPage, @"FROM api_keys WHERE owner = \$1"), (searchFloor, @"^SELECT \$?1$")]);
        for (var i = 0; i < 2_000; i++)
        {
            var owner = new MaasUser($"user-{random.NextInt64(KeyTableLoader.HeavyOwnerKeys / KeyTableLoader.KeysPerOwner, keys / KeyTableLoader.KeysPerOwner)}@example.com", ["system:authenticated"]);
            var page = await firstPage.TimeAsync(() => subjects.Administration.SearchAsync(owner, new ApiKeySearchRequest { Limit = 50 }).AsTask());
            Require(page.Keys.Count > 0, "an owner's first page was empty");
            await SelectOneAsync(dataSource, searchFloor);
        }

        await statements.StopAsync();

        var deepPage = new LatencySamples("search: the heavy owner's pages by cursor, to the last (50 each)");
        var heavy = new MaasUser(KeyTableLoader.HeavyOwner, ["system:authenticated"]);
        string? cursor = null;
        var walked = 0;
        var deepFloor = new LatencySamples("floor: SELECT 1 between those pages");
        await statements.StartAsync([(deepPage, @"FROM api_keys WHERE owner = \$1"), (deepFloor, @"^SELECT \$?1$")]);
        do
        {
            var request = new ApiKeySearchRequest { Limit = 50, Cursor = cursor };
            var page = await deepPage.TimeAsync(() => subjects.Administration.SearchAsync(heavy, request).AsTask());
            walked += page.Keys.Count;
            cursor = page.NextCursor;
            await SelectOneAsync(dataSource, deepFloor);
        }
        while (cursor is not null);
        await statements.StopAsync();
        Require(walked == KeyTableLoader.HeavyOwnerKeys, $"the cursor walk saw {walked} keys, not {KeyTableLoader.HeavyOwnerKeys}");

        // 5. The audit trail: one entry appended per key action, as creates and revokes write them.
        var audit = new LatencySamples("audit entry append");
        await statements.StartAsync(audit, "^INSERT INTO audit_log");
        for (var i = 0; i < 2_000; i++)
        {
            var entry = new AuditEntry
            {
                At = TimeProvider.System.GetUtcNow(),
                Action = AuditAction.Revoke,
                Actor = "admin@example.com",
                Subject = $"user-{i}@example.com",
                KeyId = sample[i % sample.Count].KeyId,
                RequestId = Guid.NewGuid().ToString("N"),
                ClientAddress = "192.0.2.10",
            };
            await audit.TimeAsync(async () =>
            {
                await store.AppendAsync(entry);
                return true;
            });
        }

        await statements.StopAsync();

        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Scale run, {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC: {keys:N0} keys in PostgreSQL {await ScaleDatabase.ScalarAsync<string>(dataSource, "SHOW server_version")} ({tableSize} with indexes, {await ScaleDatabase.ScalarAsync<string>(dataSource, "SHOW shared_buffers")} of shared buffers), loaded by COPY in {loadTime.TotalSeconds:F0} s, then vacuumed and checkpointed in {settleTime.TotalSeconds:F0} s; {Environment.ProcessorCount} cores.")
            .AppendLine()
            .AppendLine("| operation | count | p50 ms | p99 ms | max ms | server mean ms | server max ms | blocks read a call (ms) | WAL kB a call (full-page images) | checkpoints | target |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
            .AppendLine(statements.Row(validation, "p99 < 2 ms"))
            .AppendLine(statements.Row(flush, "≤ 20 ms"))
            .AppendLine(statements.Row(quiet, "p99 < 2 ms"))
            .AppendLine(statements.Row(quietFloor, "the floor of the row above"))
            .AppendLine(statements.Row(underLoad, "p99 < 2 ms"))
            .AppendLine(statements.Row(floor, "the floor of the row above"))
            .AppendLine(statements.Row(concurrentFlushes, "≤ 20 ms"))
            .AppendLine(statements.Row(firstPage, "p99 < 5 ms"))
            .AppendLine(statements.Row(searchFloor, "the floor of the row above"))
            .AppendLine(statements.Row(deepPage, "p99 < 5 ms"))
            .AppendLine(statements.Row(deepFloor, "the floor of the row above"))
            .AppendLine(statements.Row(audit, "measured (no target)"))
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"HOT share of the flushes' row updates: {hotShare:P0}. Membership filter load at start (every hash read once): {filterLoad.TotalSeconds:F1} s.")
            .ToString();
        Console.WriteLine();
        Console.WriteLine(report);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, report);
        }

        return 0;
    }

    /// <summary>
    /// <see cref="ConcurrentValidators"/> callers at once, each taking the next key, validating it
    /// (uncached: each key once) and then sending <c>SELECT 1</c>, timed apart.
    /// </summary>
    private static async Task ValidateConcurrentlyAsync(MaasSubjects subjects, NpgsqlDataSource dataSource, GeneratedApiKey[] keys, LatencySamples validations, LatencySamples floor)
    {
        var next = -1;
        var callers = Enumerable.Range(0, ConcurrentValidators).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < keys.Length)
            {
                var result = await validations.TimeAsync(() => subjects.Credentials.ValidateAsync(keys[i].Key).AsTask());
                Require(result.IsValid, "a loaded key did not validate under load");
                await SelectOneAsync(dataSource, floor);
            }
        })).ToArray();
        await Task.WhenAll(callers);
    }

    /// <summary>The floor: one <c>SELECT 1</c> through the store's pool, timed into <paramref name="floor"/>.</summary>
    private static Task<object?> SelectOneAsync(NpgsqlDataSource dataSource, LatencySamples floor) =>
        floor.TimeAsync(async () =>
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            return await command.ExecuteScalarAsync();
        });

    /// <summary>Runs <paramref name="measured"/> while a flusher writes back 1,000 keys' usage, back to back, timing each flush.</summary>
    private static async Task WhileFlushingAsync(PostgreSqlKeyStore store, LatencySamples flushes, Func<KeyUsage[]> usages, Func<Task> measured)
    {
        using var stop = new CancellationTokenSource();
        var flusher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var batch = usages();
                await flushes.TimeAsync(async () =>
                {
                    await store.RecordUsageAsync(batch);
                    return true;
                });
            }
        });
        try
        {
            await measured();
        }
        finally
        {
            await stop.CancelAsync();
            await flusher;
        }
    }

    private static KeyUsage[] RandomUsages(Random random, IReadOnlyList<GeneratedApiKey> sample, long keys, DateTimeOffset at)
    {
        // Mostly keys of the kept sample (real ids), the flushes of a busy replica touch any key.
        var usages = new KeyUsage[FlushSize];
        for (var i = 0; i < usages.Length; i++)
        {
            usages[i] = new KeyUsage(sample[random.Next(sample.Count)].KeyId, at);
        }

        return usages;
    }

    private static async Task<(long Updates, long Hot)> HotUpdatesAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'api_keys'");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<ScaleDatabase> StartServerAsync()
    {
        Say("starting a throwaway PostgreSQL (fsync on, 1 GB shared buffers, pg_stat_statements)...");
        return await ScaleDatabase.StartAsync("ALTER SYSTEM SET fsync = on; ALTER SYSTEM SET synchronous_commit = on; ALTER SYSTEM SET full_page_writes = on; ALTER SYSTEM SET shared_buffers = '1GB'; ALTER SYSTEM SET max_wal_size = '8GB'; ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'; ALTER SYSTEM SET track_io_timing = on;");
    }
}
