using Maas.Storage.Migrations;
using Maas.Storage.PostgreSql.Migrations;
using Maas.Testing;
using Maas.Usage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>
/// The daily roll-up (<c>usage_daily</c>) answers exactly what the hourly rows answer: on random
/// ledgers (saturating counts, batches sent twice, labels of each key, a retention sweep that cuts a
/// day, hours written after it), every history and every report page read through the store equals
/// the same read summed from the hourly rows alone; and the roll-up's rows are always the hourly
/// rows summed per day, after the migration's back-fill and under concurrent writers and sweeps.
/// </summary>
public sealed class UsageRollUpTests(PostgreSqlServer server)
{
    private static readonly DateTimeOffset Origin = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Users = ["u0", "u1", "u2", "u3"];
    private static readonly string[] Tiers = ["free", "premium"];
    private static readonly string[] Models = ["m0", "m1", "m2"];
    private static readonly string[] LabelNames = ["team", "env", "none"];

    /// <summary>Rows of <c>usage_daily</c> that are not the hourly rows summed per day, or the other way round.</summary>
    private const string RollUpMismatchSql =
        """
        WITH summed AS (
            SELECT user_name, date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, credential, tier, model, outcome,
                   (array_agg(labels ORDER BY hour))[1] AS labels,
                   LEAST(SUM(requests), 9223372036854775807)::bigint AS requests,
                   LEAST(SUM(prompt_tokens), 9223372036854775807)::bigint AS prompt_tokens,
                   LEAST(SUM(completion_tokens), 9223372036854775807)::bigint AS completion_tokens
            FROM usage_ledger GROUP BY 1, 2, 3, 4, 5, 6),
        daily AS (
            SELECT user_name, day, credential, tier, model, outcome, labels, requests, prompt_tokens, completion_tokens FROM usage_daily)
        SELECT (SELECT count(*) FROM (SELECT * FROM daily EXCEPT ALL SELECT * FROM summed) AS extra)
             + (SELECT count(*) FROM (SELECT * FROM summed EXCEPT ALL SELECT * FROM daily) AS missing)
        """;

    /// <summary>
    /// Rows of <c>usage_report_daily</c> that are not the hourly rows summed per day without the
    /// credential (one row per label set), or the other way round.
    /// </summary>
    private const string ReportRollUpMismatchSql =
        """
        WITH summed AS (
            SELECT date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, user_name, tier, model, outcome, labels,
                   LEAST(SUM(requests), 9223372036854775807)::bigint AS requests,
                   LEAST(SUM(prompt_tokens), 9223372036854775807)::bigint AS prompt_tokens,
                   LEAST(SUM(completion_tokens), 9223372036854775807)::bigint AS completion_tokens
            FROM usage_ledger GROUP BY 1, 2, 3, 4, 5, 6),
        daily AS (
            SELECT day, user_name, tier, model, outcome, labels, requests, prompt_tokens, completion_tokens FROM usage_report_daily
            WHERE labels_hash = sha256(convert_to(labels::text, 'UTF8')))
        SELECT (SELECT count(*) FROM (SELECT * FROM daily EXCEPT ALL SELECT * FROM summed) AS extra)
             + (SELECT count(*) FROM (SELECT * FROM summed EXCEPT ALL SELECT * FROM daily) AS missing)
             + (SELECT count(*) FROM usage_report_daily WHERE labels_hash <> sha256(convert_to(labels::text, 'UTF8')))
        """;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Histories_and_report_pages_from_the_roll_up_equal_those_summed_from_the_hourly_rows(int seed)
    {
        var random = new Random(seed);
        await using var database = await TestDatabase.CreateAsync(server);
        var store = await database.CreateInitializedStoreAsync();
        var hourly = new PostgreSqlUsageLedger(new PostgreSqlDatabase(database.CreateDataSource(), TimeProvider.System, NullLogger.Instance)) { ReadsRollUp = false };
        var labels = LabelsOfEachCredential(random);

        var sent = new List<UsageBatch>();
        for (var i = 0; i < 25; i++)
        {
            var batch = RandomBatch(random, labels, firstHour: 0, hours: 24 * 6);
            Assert.True(await store.AppendAsync(batch));
            sent.Add(batch);
        }

        foreach (var again in sent.Take(3))
        {
            Assert.False(await store.AppendAsync(again));
        }

        // A cutoff inside a day (not on an hour, even), then hours on both sides of it again.
        var cutoff = Origin.AddHours(24 + random.Next(48)).AddMinutes(random.Next(2) * 30);
        Assert.True(await store.DeleteBeforeAsync(cutoff) > 0);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(await store.AppendAsync(RandomBatch(random, labels, firstHour: 0, hours: 24 * 6)));
        }

        Assert.Equal(0L, await database.ExecuteScalarAsync(RollUpMismatchSql));
        Assert.Equal(0L, await database.ExecuteScalarAsync(ReportRollUpMismatchSql));

        for (var i = 0; i < 150; i++)
        {
            var query = RandomQuery(random);
            Assert.Equal(await hourly.QueryAsync(query, default), await store.QueryAsync(query));
        }

        var pages = 0;
        for (var i = 0; i < 100; i++)
        {
            var query = RandomReport(random);
            while (true)
            {
                var expected = await hourly.ReportAsync(query, default);
                var actual = await store.ReportAsync(query);
                Assert.Equal(expected.Entries, actual.Entries);
                Assert.Equal(expected.Next, actual.Next);
                pages++;
                if (actual.Next is null)
                {
                    break;
                }

                query = query with { After = actual.Next };
            }
        }

        Assert.True(pages > 120, $"Only {pages} report pages were compared: too few queries had a second page.");
    }

    [Fact]
    public async Task The_migration_back_fills_the_roll_up_from_the_hourly_rows_already_there()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var rollUp = PostgreSqlSchema.Migrations.Single(m => m.Sql.Contains("CREATE TABLE usage_daily", StringComparison.Ordinal));
        await using var dataSource = database.CreateDataSource();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var before = new SchemaMigrator(PostgreSqlSchema.Migrations.Where(m => m.Version < rollUp.Version), new PostgreSqlMigrationDialect());
            await before.MigrateAsync(connection);
        }

        await database.ExecuteScalarAsync(
            """
            INSERT INTO usage_ledger (user_name, hour, credential, tier, model, outcome, labels, requests, prompt_tokens, completion_tokens)
            SELECT 'u' || (h % 3), '2026-03-01T00:00:00Z'::timestamptz + make_interval(hours => h), 'k' || (h % 2), 'free', 'm' || (h % 5), (h % 3)::smallint,
                   jsonb_build_object('team', 'k' || (h % 2)), 1 + h, CASE WHEN h % 17 = 0 THEN 9223372036854775807 ELSE 10 * h END, 3
            FROM generate_series(0, 24 * 9 - 1) AS h
            """);

        var store = await database.CreateInitializedStoreAsync();

        Assert.Equal(0L, await database.ExecuteScalarAsync(RollUpMismatchSql));
        Assert.True((long)(await database.ExecuteScalarAsync("SELECT count(*) FROM usage_daily"))! > 9);
        var month = new UsageQuery { User = "u1", From = Origin, To = Origin.AddDays(9), GroupBy = UsageGrouping.Label, Label = "team" };
        var hourly = new PostgreSqlUsageLedger(new PostgreSqlDatabase(dataSource, TimeProvider.System, NullLogger.Instance)) { ReadsRollUp = false };
        Assert.Equal(await hourly.QueryAsync(month, default), await store.QueryAsync(month));
    }

    [Fact]
    public async Task Replicas_writing_the_same_rows_while_sweeps_run_keep_the_roll_up_the_sum_of_the_hours()
    {
        var random = new Random(22);
        await using var database = await TestDatabase.CreateAsync(server);
        var first = await database.CreateInitializedStoreAsync();
        var replicas = new[] { first, database.CreateStore(), database.CreateStore() };
        var labels = LabelsOfEachCredential(random);
        var batches = Enumerable.Range(0, 60).Select(_ => RandomBatch(random, labels, firstHour: 0, hours: 24 * 3)).ToArray();

        var writers = replicas.Select((replica, r) => Task.Run(async () =>
        {
            // Every replica sends every batch, in its own order.
            foreach (var batch in batches.Skip(r * 20).Concat(batches.Take(r * 20)))
            {
                await replica.AppendAsync(batch);
            }
        })).ToArray();
        var writing = Task.WhenAll(writers);

        // Sweeps (cutoffs inside days, and on one) until the writers are done: each cuts a day they write to.
        var sweeps = 0;
        while (!writing.IsCompleted || sweeps < 5)
        {
            var hours = 5 + (sweeps * 7 % 30);
            await replicas[sweeps % 3].DeleteBeforeAsync(Origin.AddHours(hours));
            sweeps++;
        }

        await writing;
        Assert.Equal(0L, await database.ExecuteScalarAsync(RollUpMismatchSql));
        Assert.Equal(0L, await database.ExecuteScalarAsync(ReportRollUpMismatchSql));
    }

    [Fact]
    public async Task The_migration_back_fills_the_reports_roll_up_from_the_daily_rows_already_there()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var reportRollUp = PostgreSqlSchema.Migrations.Single(m => m.Sql.Contains("CREATE TABLE usage_report_daily", StringComparison.Ordinal));
        await using var dataSource = database.CreateDataSource();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var before = new SchemaMigrator(PostgreSqlSchema.Migrations.Where(m => m.Version < reportRollUp.Version), new PostgreSqlMigrationDialect());
            await before.MigrateAsync(connection);
        }

        // Hours and their usage_daily rows as the store wrote them before: three keys of a user each hour,
        // two with the same labels (one report row) and one without; some counts saturating; nine days.
        await database.ExecuteScalarAsync(
            """
            INSERT INTO usage_ledger (user_name, hour, credential, tier, model, outcome, labels, requests, prompt_tokens, completion_tokens)
            SELECT 'u' || (h % 3), '2026-03-01T00:00:00Z'::timestamptz + make_interval(hours => h), 'k' || k, 'free', 'm' || (h % 5), (h % 3)::smallint,
                   CASE WHEN k = 2 THEN '{}'::jsonb ELSE jsonb_build_object('team', 't' || (h % 3 % 2), 'env', 'ci') END,
                   1 + h, CASE WHEN h % 17 = 0 THEN 9223372036854775807 ELSE 10 * h END, 3
            FROM generate_series(0, 24 * 9 - 1) AS h, generate_series(0, 2) AS k;
            """ + "INSERT INTO usage_daily (user_name, day, credential, tier, model, outcome, labels, requests, prompt_tokens, completion_tokens) " +
            "SELECT user_name, date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', credential, tier, model, outcome, (array_agg(labels ORDER BY hour))[1], " +
            "LEAST(SUM(requests), 9223372036854775807)::bigint, LEAST(SUM(prompt_tokens), 9223372036854775807)::bigint, LEAST(SUM(completion_tokens), 9223372036854775807)::bigint " +
            "FROM usage_ledger GROUP BY 1, 2, 3, 4, 5, 6");

        var store = await database.CreateInitializedStoreAsync();

        Assert.Equal(0L, await database.ExecuteScalarAsync(ReportRollUpMismatchSql));
        var rows = (long)(await database.ExecuteScalarAsync("SELECT count(*) FROM usage_report_daily"))!;
        var daily = (long)(await database.ExecuteScalarAsync("SELECT count(*) FROM usage_daily"))!;
        Assert.InRange(rows, 10, daily - 1);
        var hourly = new PostgreSqlUsageLedger(new PostgreSqlDatabase(dataSource, TimeProvider.System, NullLogger.Instance)) { ReadsRollUp = false };
        foreach (var grouping in Enum.GetValues<UsageReportGrouping>())
        {
            var month = new UsageReportQuery { From = Origin, To = Origin.AddDays(9), GroupBy = grouping, Label = "team", Limit = 10 };
            Assert.Equal((await hourly.ReportAsync(month, default)).Entries, (await store.ReportAsync(month)).Entries);
        }
    }

    /// <summary>Each credential's labels, fixed for the run: a key's labels never change.</summary>
    private static Dictionary<string, IReadOnlyDictionary<string, string>> LabelsOfEachCredential(Random random)
    {
        var labels = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var user in Users)
        {
            labels[user + "-token"] = new Dictionary<string, string>();
            for (var k = 0; k < 2; k++)
            {
                var these = new Dictionary<string, string>(StringComparer.Ordinal);
                if (random.Next(4) > 0)
                {
                    these["team"] = "team-" + random.Next(3);
                }

                if (random.Next(2) == 0)
                {
                    these["env"] = random.Next(2) == 0 ? "ci" : "prod";
                }

                labels[$"{user}-k{k}"] = these;
            }
        }

        return labels;
    }

    /// <summary>A batch of distinct rows (the writer sums a row's calls before it sends them), some counts near the largest long.</summary>
    private static UsageBatch RandomBatch(Random random, Dictionary<string, IReadOnlyDictionary<string, string>> labels, int firstHour, int hours)
    {
        var rows = new Dictionary<(string, DateTimeOffset, string, string, string, UsageOutcome), UsageIncrement>();
        var count = 1 + random.Next(60);
        for (var i = 0; i < count; i++)
        {
            var user = Users[random.Next(Users.Length)];
            var credentialKind = random.Next(3);
            var credential = credentialKind == 2 ? UsageIncrement.TokenCredential : $"{user}-k{credentialKind}";
            var increment = new UsageIncrement
            {
                Hour = Origin.AddHours(firstHour + random.Next(hours)),
                User = user,
                Credential = credential,
                Tier = Tiers[random.Next(Tiers.Length)],
                Model = Models[random.Next(Models.Length)],
                Outcome = (UsageOutcome)random.Next(3),
                Labels = labels[credentialKind == 2 ? user + "-token" : credential],
                Requests = Count(random),
                PromptTokens = Count(random),
                CompletionTokens = Count(random),
            };
            rows[(increment.User, increment.Hour, increment.Credential, increment.Tier, increment.Model, increment.Outcome)] = increment;
        }

        return new UsageBatch { Id = Guid.NewGuid(), Increments = [.. rows.Values] };
    }

    private static long Count(Random random) => random.Next(100) switch
    {
        0 => long.MaxValue - random.Next(1000),
        1 => long.MaxValue / 3,
        _ => random.Next(1000),
    };

    /// <summary>A range of hours, half hours or whole days, often across several days.</summary>
    private static (DateTimeOffset From, DateTimeOffset To) RandomRange(Random random)
    {
        var from = random.Next(3) == 0
            ? Origin.AddDays(random.Next(-1, 6))
            : Origin.AddHours(random.Next(-12, 24 * 6)).AddMinutes(random.Next(4) == 0 ? 30 : 0);
        var to = random.Next(3) == 0
            ? from.AddDays(1 + random.Next(6)) - TimeSpan.FromTicks(from.UtcTicks % TimeSpan.TicksPerDay)
            : from.AddHours(1 + random.Next(24 * 6)).AddMinutes(random.Next(4) == 0 ? 15 : 0);
        return (from, to);
    }

    private static UsageQuery RandomQuery(Random random)
    {
        var (from, to) = RandomRange(random);
        return new UsageQuery
        {
            User = random.Next(10) == 0 ? "nobody" : Users[random.Next(Users.Length)],
            From = from,
            To = to,
            Granularity = (UsageGranularity)random.Next(3),
            GroupBy = (UsageGrouping)random.Next(3),
            Label = LabelNames[random.Next(LabelNames.Length)],
        };
    }

    private static UsageReportQuery RandomReport(Random random)
    {
        var (from, to) = RandomRange(random);
        return new UsageReportQuery
        {
            From = from,
            To = to,
            GroupBy = (UsageReportGrouping)random.Next(4),
            Label = LabelNames[random.Next(LabelNames.Length)],
            User = random.Next(5) == 0 ? Users[random.Next(Users.Length)] : null,
            Tier = random.Next(5) == 0 ? Tiers[random.Next(Tiers.Length)] : null,
            Model = random.Next(5) == 0 ? Models[random.Next(Models.Length)] : null,
            Limit = 1 + random.Next(4),
        };
    }
}
