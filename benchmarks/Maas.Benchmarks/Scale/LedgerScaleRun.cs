using System.Diagnostics;
using System.Globalization;
using System.Text;
using Maas.Storage.PostgreSql;
using Maas.Usage;
using Npgsql;

using static Maas.Benchmarks.Scale.ScaleConsole;

namespace Maas.Benchmarks.Scale;

/// <summary>
/// The usage ledger at scale (issue 22, acceptance 4): millions of hourly rows in PostgreSQL's
/// <c>usage_ledger</c>, filled in the server by <c>generate_series</c>, then the two reads whose cost
/// grows with the table: a user's month by day (<see cref="IUsageLedger.QueryAsync"/>) and the
/// administrators' top 100 over a month (<see cref="IUsageLedger.ReportAsync"/>), through the store.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project benchmarks/Maas.Benchmarks -- ledger-scale [--rows N] [--postgres URL] [--out FILE]</c>.
/// The rows cover the default retention, 400 days of hours (9,600 hours, about 1,040 rows an hour at
/// 10 million): 5,000 users (fewer in a run too small to reach them all every month), each row one user's hour on one of their three keys, one of eight
/// models, three tiers, a <c>team</c> label of forty; one heavy user besides, with a row every hour
/// for each of 8 models and 5 keys (a CI fleet: 28,800 rows a month). Without <c>--postgres</c> a
/// throwaway server is started as the tests start theirs (1 GB of shared buffers); with it, the URL must
/// name an empty database as a superuser (the run vacuums and checkpoints). Prints a markdown report.
/// </remarks>
internal static class LedgerScaleRun
{
    private const int Hours = 400 * 24;
    private const int Users = 5_000;
    private const string HeavyUser = "ci-fleet@example.com";

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = long.Parse(Option(args, "--rows") ?? "10000000", CultureInfo.InvariantCulture);
        var output = Option(args, "--out");
        var url = Option(args, "--postgres");
        var perHour = (int)Math.Clamp(rows / Hours, 1, Users);

        // Hour h's rows are users h * perHour onwards, so every user has rows in every month as long
        // as a month's 28 days of hours reach them all: a small run has fewer users, not empty ones.
        var users = (int)Math.Min(Users, (long)perHour * 28 * 24);

        await using var server = url is null ? await StartServerAsync() : null;
        url ??= server!.Url;
        await using var dataSource = PostgreSqlDataSourceFactory.Create(new PostgreSqlStorageOptions { ConnectionUrl = url, MaxOpenConnections = 10 });
        var store = new PostgreSqlKeyStore(dataSource);
        await store.InitializeAsync();

        // The newest hour is the start of this month's last day, so "last month" is a whole, full month.
        var now = TimeProvider.System.GetUtcNow();
        var thisMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var first = thisMonth.AddHours(-Hours);
        Say($"filling {(long)perHour * Hours:N0} rows ({perHour:N0} an hour for {Hours:N0} hours) and the heavy user's, with generate_series...");
        var loadTime = await FillAsync(dataSource, first, perHour, users);
        Say($"filled in {loadTime.TotalSeconds:F0} s; vacuuming, analysing and checkpointing...");
        var settleTime = await SettleAsync(dataSource);
        var count = await ScaleDatabase.ScalarAsync<long>(dataSource, "SELECT count(*) FROM usage_ledger");
        var size = await ScaleDatabase.ScalarAsync<string>(dataSource, "SELECT pg_size_pretty(pg_total_relation_size('usage_ledger'))");
        var days = await ScaleDatabase.ScalarAsync<long>(dataSource, "SELECT count(*) FROM usage_daily");
        var daysSize = await ScaleDatabase.ScalarAsync<string>(dataSource, "SELECT pg_size_pretty(pg_total_relation_size('usage_daily'))");
        var reportDays = await ScaleDatabase.ScalarAsync<long>(dataSource, "SELECT count(*) FROM usage_report_daily");
        var reportDaysSize = await ScaleDatabase.ScalarAsync<string>(dataSource, "SELECT pg_size_pretty(pg_total_relation_size('usage_report_daily'))");
        Say($"settled in {settleTime.TotalSeconds:F0} s; {count:N0} rows, {size} with indexes; the roll-up {days:N0} rows, {daysSize}; the report's roll-up {reportDays:N0} rows, {reportDaysSize}; measuring...");

        var month = (From: thisMonth.AddMonths(-1), To: thisMonth);
        var random = new Random(22);

        var userMonth = new LatencySamples("a user's month by day (per model), random users");
        for (var i = 0; i < 1_000; i++)
        {
            var user = $"user-{random.Next(users)}@example.com";
            var buckets = await userMonth.TimeAsync(() => store.QueryAsync(new UsageQuery { User = user, From = month.From, To = month.To }).AsTask());
            Require(buckets.Count > 0, $"{user} had no usage last month");
        }

        var heavyMonth = new LatencySamples("the heavy user's month by day (per model), 28,800 rows");
        for (var i = 0; i < 100; i++)
        {
            var buckets = await heavyMonth.TimeAsync(() => store.QueryAsync(new UsageQuery { User = HeavyUser, From = month.From, To = month.To }).AsTask());
            Require(buckets.Count > 0, "the heavy user had no usage last month");
        }

        var reports = new List<LatencySamples>();
        foreach (var (grouping, label) in new[] { (UsageReportGrouping.User, (string?)null), (UsageReportGrouping.Model, null), (UsageReportGrouping.Label, "team") })
        {
            var samples = new LatencySamples($"administrators' top 100 over a month by {(label is null ? grouping.ToString().ToLowerInvariant() : "label:" + label)}");
            reports.Add(samples);
            for (var i = 0; i < 20; i++)
            {
                var page = await samples.TimeAsync(() => store.ReportAsync(new UsageReportQuery { From = month.From, To = month.To, GroupBy = grouping, Label = label, Limit = 100 }).AsTask());
                Require(page.Entries.Count > 0, "the report was empty");
            }
        }

        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Ledger scale run, {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC: {count:N0} rows ({users:N0} users) and {days:N0} rows of daily roll-up ({daysSize} with indexes) and {reportDays:N0} of the report's roll-up ({reportDaysSize}) in PostgreSQL {await ScaleDatabase.ScalarAsync<string>(dataSource, "SHOW server_version")} ({size} with indexes, {await ScaleDatabase.ScalarAsync<string>(dataSource, "SHOW shared_buffers")} of shared buffers), filled in {loadTime.TotalSeconds:F0} s, vacuumed and checkpointed in {settleTime.TotalSeconds:F0} s; {Environment.ProcessorCount} cores; the month {month.From:yyyy-MM}.")
            .AppendLine()
            .AppendLine("| read | count | p50 ms | p99 ms | max ms | target |")
            .AppendLine("|---|---:|---:|---:|---:|---|")
            .AppendLine(Row(userMonth, "p99 < 100 ms"))
            .AppendLine(Row(heavyMonth, "p99 < 100 ms"));
        foreach (var samples in reports)
        {
            report.AppendLine(Row(samples, "< 1 s"));
        }

        report.AppendLine().Append(await ProfileAsync(dataSource, month.From, month.To));
        Console.WriteLine();
        Console.WriteLine(report);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, report.ToString());
        }

        return 0;
    }

    /// <summary>
    /// Fills the ledger in the server: hour <c>h</c>'s <paramref name="perHour"/> rows belong to
    /// distinct users (so no two share a key), and the heavy user's 40 rows an hour; in hour order, as
    /// the writers append them. Then the daily roll-ups of those hours, as the retention sweep writes a
    /// day anew (the sums migrations 7 and 10 back-fill).
    /// </summary>
    private static async Task<TimeSpan> FillAsync(NpgsqlDataSource dataSource, DateTimeOffset first, int perHour, int users)
    {
        var started = Stopwatch.GetTimestamp();
        await using var connection = await dataSource.OpenConnectionAsync();
        const string Fill = """
            INSERT INTO usage_ledger (user_name, hour, credential, tier, model, outcome, labels, requests, prompt_tokens, completion_tokens)
            SELECT 'user-' || u || '@example.com', @first + make_interval(hours => h), 'key-' || u || '-' || (h % 3),
                   (ARRAY['free', 'premium', 'enterprise'])[1 + u % 3], 'model-' || ((u + h / 24) % 8),
                   CASE WHEN j % 50 = 0 THEN 1 ELSE 0 END, jsonb_build_object('team', 'team-' || (u % 40)),
                   1 + (u + h) % 20, 100 + (u * 7 + h) % 900, 10 + (u * 13 + h) % 400
            FROM generate_series(@from, @to - 1) AS h, generate_series(0, @per_hour - 1) AS j, LATERAL (SELECT (j + h * @per_hour) % @users AS u) AS x
            """;
        const string FillHeavy = """
            INSERT INTO usage_ledger (user_name, hour, credential, tier, model, outcome, labels, requests, prompt_tokens, completion_tokens)
            SELECT @heavy, @first + make_interval(hours => h), 'ci-key-' || k, 'enterprise', 'model-' || m, 0, '{"team":"ci"}'::jsonb, 50, 50000, 5000
            FROM generate_series(0, @hours - 1) AS h, generate_series(0, 4) AS k, generate_series(0, 7) AS m
            """;
        // In slices of a month, so progress shows and no one transaction holds 10 million rows.
        for (var from = 0; from < Hours; from += 720)
        {
            await using var command = new NpgsqlCommand(Fill, connection) { CommandTimeout = 0 };
            command.Parameters.AddWithValue("first", first);
            command.Parameters.AddWithValue("from", from);
            command.Parameters.AddWithValue("to", Math.Min(from + 720, Hours));
            command.Parameters.AddWithValue("per_hour", perHour);
            command.Parameters.AddWithValue("users", users);
            await command.ExecuteNonQueryAsync();
            Say($"  {(long)Math.Min(from + 720, Hours) * perHour:N0} rows");
        }

        await using (var heavy = new NpgsqlCommand(FillHeavy, connection) { CommandTimeout = 0 })
        {
            heavy.Parameters.AddWithValue("heavy", HeavyUser);
            heavy.Parameters.AddWithValue("first", first);
            heavy.Parameters.AddWithValue("hours", Hours);
            await heavy.ExecuteNonQueryAsync();
        }

        // The roll-up in the same slices of whole days (the first hour is a day's start).
        for (var from = 0; from < Hours; from += 720)
        {
            await using var rollUp = new NpgsqlCommand(PostgreSqlUsageLedger.RollUpSql + "; " + PostgreSqlUsageLedger.ReportRollUpSql, connection) { CommandTimeout = 0 };
            rollUp.Parameters.AddWithValue("from", first.AddHours(from));
            rollUp.Parameters.AddWithValue("to", first.AddHours(Math.Min(from + 720, Hours)));
            await rollUp.ExecuteNonQueryAsync();
            Say($"  rolled up {first.AddHours(from):yyyy-MM-dd} to {first.AddHours(Math.Min(from + 720, Hours)):yyyy-MM-dd}");
        }

        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>
    /// Where the report's time goes: the month's rows in each table and the plan of the top 100 users
    /// with its row counts and timings (<c>EXPLAIN (ANALYZE, BUFFERS)</c>).
    /// </summary>
    private static async Task<string> ProfileAsync(NpgsqlDataSource dataSource, DateTimeOffset from, DateTimeOffset to)
    {
        var profile = new StringBuilder();
        foreach (var (name, sql) in new[]
        {
            ("hourly rows in the month", "SELECT count(*) FROM usage_ledger WHERE hour >= @from AND hour < @to"),
            ("roll-up rows in the month", "SELECT count(*) FROM usage_daily WHERE day >= @from AND day < @to"),
            ("report roll-up rows in the month (without the credential)", "SELECT count(*) FROM usage_report_daily WHERE day >= @from AND day < @to"),
        })
        {
            await using var count = dataSource.CreateCommand(sql);
            count.Parameters.AddWithValue("from", from);
            count.Parameters.AddWithValue("to", to);
            profile.AppendLine(CultureInfo.InvariantCulture, $"- {name}: {(long)(await count.ExecuteScalarAsync())!:N0}");
        }

        var query = new UsageReportQuery { From = from, To = to, GroupBy = UsageReportGrouping.User, Limit = 100 };
        profile.AppendLine().AppendLine("The top 100 users over the month, `EXPLAIN (ANALYZE, BUFFERS)`:").AppendLine().AppendLine("```");
        await using (var explain = dataSource.CreateCommand("EXPLAIN (ANALYZE, BUFFERS) " + PostgreSqlUsageLedger.ReportSql(query)))
        {
            explain.Parameters.AddWithValue("from", from);
            explain.Parameters.AddWithValue("to", to);
            explain.Parameters.AddWithValue("limit", 101);
            PostgreSqlUsageLedger.AddWholeDays(explain.Parameters, from, to, rollUp: true);
            await using var reader = await explain.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                profile.AppendLine(reader.GetString(0));
            }
        }

        return profile.AppendLine("```").ToString();
    }

    private static async Task<TimeSpan> SettleAsync(NpgsqlDataSource dataSource)
    {
        var started = Stopwatch.GetTimestamp();
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var sql in new[] { "VACUUM (ANALYZE)", "CHECKPOINT" })
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync();
        }

        return Stopwatch.GetElapsedTime(started);
    }

    private static string Row(LatencySamples samples, string target) => string.Create(
        CultureInfo.InvariantCulture,
        $"| {samples.Name} | {samples.Count:N0} | {samples.Percentile(50):F1} | {samples.Percentile(99):F1} | {samples.Percentile(100):F1} | {target} |");

    private static async Task<ScaleDatabase> StartServerAsync()
    {
        Say("starting a throwaway PostgreSQL (1 GB shared buffers)...");
        return await ScaleDatabase.StartAsync("ALTER SYSTEM SET shared_buffers = '1GB'; ALTER SYSTEM SET max_wal_size = '8GB';");
    }
}
