using System.Diagnostics;
using System.Globalization;
using System.Text;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Storage.PostgreSql;
using Maas.Testing;
using Maas.Users;
using Npgsql;

namespace Maas.Benchmarks.Scale;

/// <summary>
/// The external store at scale (issue 12): millions of keys in PostgreSQL, loaded with COPY, then
/// the operations whose cost grows with the table: uncached validation of presented keys, the
/// <c>last_used_at</c> write-back of 1,000 keys, validation while those write-backs run, an owner's
/// first page of search, every cursor page of an owner of 100,000 keys, and an audit append.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project benchmarks/Maas.Benchmarks -- scale [--keys N] [--postgres URL] [--out FILE]</c>.
/// Without <c>--postgres</c> a throwaway server is started as the tests start theirs, with fsync,
/// synchronous commit and full-page writes on, and 1 GB of shared buffers; with it, the URL must name
/// an empty database. Prints a markdown report (and writes it to <c>--out</c>).
/// </remarks>
internal static class ScaleRun
{
    private const int FlushSize = 1_000;
    private const int Flushes = 40;
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
        Say($"loaded in {loadTime.TotalSeconds:F0} s; {sample.Count:N0} keys kept to present");
        var tableSize = await ScalarAsync<string>(dataSource, "SELECT pg_size_pretty(pg_total_relation_size('api_keys'))");

        using var subjects = new MaasSubjects(store);
        var random = new Random(12);
        var shuffled = sample.OrderBy(_ => random.Next()).ToArray();

        // Start-up at this size: the membership filter reads every hash once. Then a few keys warm the
        // code paths; they are not presented again.
        var filterStarted = Stopwatch.GetTimestamp();
        subjects.Validator.KeyFilter.Reload();
        await subjects.Validator.KeyFilter.Loading;
        var filterLoad = Stopwatch.GetElapsedTime(filterStarted);
        Require(subjects.Validator.KeyFilter.IsLoaded, "the membership filter did not load");
        const int Warmup = 20;
        foreach (var key in shuffled[..Warmup])
        {
            Require((await subjects.Service.ValidateAsync(key.Key)).IsValid, "a loaded key did not validate");
        }

        shuffled = shuffled[Warmup..];
        var half = shuffled.Length / 2;

        // 1. Uncached validation, one caller: each key presented once, so every validation reads the store.
        var validation = new LatencySamples("uncached key validation, 1 caller");
        foreach (var key in shuffled[..half])
        {
            var result = await validation.TimeAsync(() => subjects.Service.ValidateAsync(key.Key).AsTask());
            Require(result.IsValid, "a loaded key did not validate");
        }

        // 2. The last_used_at write-back of 1,000 keys, as the validator's usage recorder flushes it.
        var flush = new LatencySamples($"last_used_at flush of {FlushSize:N0} keys");
        var stats = await HotUpdatesAsync(dataSource);
        for (var i = 0; i < Flushes; i++)
        {
            var usages = RandomUsages(random, sample, keys, now.AddSeconds(i + 1));
            await flush.TimeAsync(async () =>
            {
                await store.RecordUsageAsync(usages);
                return true;
            });
        }

        // The statistics collector reports a backend's counts shortly after its transactions end.
        var after = await HotUpdatesAsync(dataSource);
        for (var wait = 0; wait < 50 && after.Updates == stats.Updates; wait++)
        {
            await Task.Delay(100);
            after = await HotUpdatesAsync(dataSource);
        }

        var hotShare = after.Updates > stats.Updates ? (double)(after.Hot - stats.Hot) / (after.Updates - stats.Updates) : double.NaN;

        // 3. Validation under write-back: several callers validating fresh keys while flushes run back to back.
        var underLoad = new LatencySamples($"uncached key validation, {ConcurrentValidators} callers, flushes running");
        using var stop = new CancellationTokenSource();
        var flusher = Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                await store.RecordUsageAsync(RandomUsages(random, sample, keys, now.AddMinutes(10).AddSeconds(++n)));
            }
        });
        var queue = new Queue<GeneratedApiKey>(shuffled[half..]);
        var validators = Enumerable.Range(0, ConcurrentValidators).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                GeneratedApiKey? key;
                lock (queue)
                {
                    if (!queue.TryDequeue(out key))
                    {
                        return;
                    }
                }

                var result = await underLoad.TimeAsync(() => subjects.Service.ValidateAsync(key.Key).AsTask());
                Require(result.IsValid, "a loaded key did not validate under load");
            }
        })).ToArray();
        await Task.WhenAll(validators);
        await stop.CancelAsync();
        await flusher;

        // 4. Search: an owner's first page (a user of ten keys), and the pages deep into the heavy
        // owner's 100,000 keys by cursor, newest first, 50 a page, as the self-service page and
        // clients walk them.
        var firstPage = new LatencySamples("search: an owner's first page (50)");
        for (var i = 0; i < 2_000; i++)
        {
            var owner = new MaasUser($"user-{random.NextInt64(KeyTableLoader.HeavyOwnerKeys / KeyTableLoader.KeysPerOwner, keys / KeyTableLoader.KeysPerOwner)}@example.com", ["system:authenticated"]);
            var page = await firstPage.TimeAsync(() => subjects.Service.SearchApiKeysAsync(owner, new ApiKeySearchRequest { Limit = 50 }).AsTask());
            Require(page.Keys.Count > 0, "an owner's first page was empty");
        }

        var deepPage = new LatencySamples("search: the heavy owner's pages by cursor, to the last (50 each)");
        var heavy = new MaasUser(KeyTableLoader.HeavyOwner, ["system:authenticated"]);
        string? cursor = null;
        var walked = 0;
        do
        {
            var request = new ApiKeySearchRequest { Limit = 50, Cursor = cursor };
            var page = await deepPage.TimeAsync(() => subjects.Service.SearchApiKeysAsync(heavy, request).AsTask());
            walked += page.Keys.Count;
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        Require(walked == KeyTableLoader.HeavyOwnerKeys, $"the cursor walk saw {walked} keys, not {KeyTableLoader.HeavyOwnerKeys}");

        // 5. The audit trail: one entry appended per key action, as creates and revokes write them.
        var audit = new LatencySamples("audit entry append");
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

        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Scale run, {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC: {keys:N0} keys in PostgreSQL {await ScalarAsync<string>(dataSource, "SHOW server_version")} ({tableSize} with indexes), loaded by COPY in {loadTime.TotalSeconds:F0} s; {Environment.ProcessorCount} cores.")
            .AppendLine()
            .AppendLine("| operation | count | p50 ms | p99 ms | max ms | target |")
            .AppendLine("|---|---:|---:|---:|---:|---|")
            .AppendLine(validation.Row("p99 < 2 ms"))
            .AppendLine(flush.Row("≤ 20 ms"))
            .AppendLine(underLoad.Row("p99 < 2 ms"))
            .AppendLine(firstPage.Row("p99 < 5 ms"))
            .AppendLine(deepPage.Row("p99 < 5 ms"))
            .AppendLine(audit.Row("measured (no target)"))
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

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<ScaleServer> StartServerAsync()
    {
        Say("starting a throwaway PostgreSQL (fsync on, 1 GB shared buffers)...");
        var server = new PostgreSqlServer();
        await server.InitializeAsync();
        var database = await server.CreateDatabaseAsync();
        await using (var admin = new NpgsqlConnection(database))
        {
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand(
                "ALTER SYSTEM SET fsync = on; ALTER SYSTEM SET synchronous_commit = on; ALTER SYSTEM SET full_page_writes = on; ALTER SYSTEM SET shared_buffers = '1GB'; ALTER SYSTEM SET max_wal_size = '8GB';",
                admin);
            await command.ExecuteNonQueryAsync();
        }

        await server.StopAsync();
        await server.StartAsync();
        return new ScaleServer(server, server.ConnectionUrl(new NpgsqlConnectionStringBuilder(database).Database!));
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static void Say(string line) => Console.Error.WriteLine($"[{TimeProvider.System.GetUtcNow():HH:mm:ss}] {line}");

    private sealed class ScaleServer(PostgreSqlServer server, string url) : IAsyncDisposable
    {
        public string Url { get; } = url;

        public async ValueTask DisposeAsync() => await server.DisposeAsync();
    }
}
