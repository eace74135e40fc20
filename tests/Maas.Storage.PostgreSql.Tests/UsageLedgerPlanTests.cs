using Maas.Testing;
using Maas.Usage;
using Npgsql;
using NpgsqlTypes;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>
/// The plans of the ledger's two reads that must stay fast at 10 million rows (benchmarks/README.md,
/// "The usage ledger at 10 million rows"): a user's month is a range of the primary key's prefix
/// (user_name, hour), and the administrators' report over a month a range of the hour index, never a
/// read of the whole table. On 96,000 rows over 400 days, analysed, so the planner sees proportions
/// like the benchmark's. Whole days are read from the daily roll-ups: a user's from <c>usage_daily</c>,
/// by its primary key's prefix (user_name, day), the report's from <c>usage_report_daily</c>, by its
/// primary key's prefix (day); only the hours of a range's partial first and last day from the hourly rows.
/// </summary>
public sealed class UsageLedgerPlanTests(PostgreSqlServer server) : IAsyncLifetime
{
    private static readonly DateTimeOffset First = new(2025, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Month = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private TestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(server);
        _ = await _database.CreateInitializedStoreAsync();
        await using var dataSource = _database.CreateDataSource();
        await using var fill = dataSource.CreateCommand(
            """
            INSERT INTO usage_ledger (user_name, hour, credential, tier, model, outcome, labels, requests, prompt_tokens, completion_tokens)
            SELECT 'u' || ((h + j) % 100), @first + make_interval(hours => h), 'k', 'free', 'm' || (h % 4), 0, '{"team":"a"}', 1, 10, 5
            FROM generate_series(0, 9599) AS h, generate_series(0, 9) AS j;
            ANALYZE usage_ledger;
            """);
        fill.Parameters.AddWithValue("first", NpgsqlDbType.TimestampTz, First);
        await fill.ExecuteNonQueryAsync();
        await using var rollUp = dataSource.CreateCommand(PostgreSqlUsageLedger.RollUpSql + "; " + PostgreSqlUsageLedger.ReportRollUpSql + "; ANALYZE usage_daily; ANALYZE usage_report_daily;");
        rollUp.Parameters.AddWithValue("from", NpgsqlDbType.TimestampTz, First);
        rollUp.Parameters.AddWithValue("to", NpgsqlDbType.TimestampTz, First.AddHours(9600));
        await rollUp.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Theory]
    [InlineData(UsageGrouping.Model)]
    [InlineData(UsageGrouping.Label)]
    public async Task A_users_month_reads_only_their_range_of_the_primary_key(UsageGrouping grouping)
    {
        // From and to inside a day, so the partial days' hours are read (whole days: the roll-up, below).
        var plan = await ExplainAsync(
            PostgreSqlUsageLedger.QuerySql(grouping),
            p =>
            {
                p.AddWithValue("unit", "day");
                p.AddWithValue("user", NpgsqlDbType.Text, "u7");
                p.AddWithValue("label", NpgsqlDbType.Text, "team");
            },
            Month.AddHours(7),
            Month.AddMonths(1).AddHours(5));

        Assert.Contains("usage_ledger_pkey", plan, StringComparison.Ordinal);
        Assert.Contains("user_name = ", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UsageReportGrouping.User)]
    [InlineData(UsageReportGrouping.Label)]
    public async Task The_administrators_month_reads_only_its_range_of_the_hour_index(UsageReportGrouping grouping)
    {
        var query = new UsageReportQuery { From = Month, To = Month.AddMonths(1), GroupBy = grouping, Label = "team", After = new UsageReportPosition(100, "u3") };

        var plan = await ExplainAsync(PostgreSqlUsageLedger.ReportSql(query), p =>
        {
            p.AddWithValue("limit", NpgsqlDbType.Integer, 101);
            p.AddWithValue("label", NpgsqlDbType.Text, "team");
            p.AddWithValue("after_total", NpgsqlDbType.Bigint, 100L);
            p.AddWithValue("after_group", NpgsqlDbType.Text, "u3");
        });

        Assert.Contains("usage_ledger_hour_idx", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UsageGrouping.Model)]
    [InlineData(UsageGrouping.Label)]
    public async Task A_users_month_of_whole_days_reads_their_range_of_the_roll_ups_primary_key(UsageGrouping grouping)
    {
        var plan = await ExplainAsync(PostgreSqlUsageLedger.QuerySql(grouping), p =>
        {
            p.AddWithValue("unit", "day");
            p.AddWithValue("user", NpgsqlDbType.Text, "u7");
            p.AddWithValue("label", NpgsqlDbType.Text, "team");
        });

        Assert.Contains("usage_daily_pkey", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UsageReportGrouping.User)]
    [InlineData(UsageReportGrouping.Label)]
    public async Task The_administrators_month_of_whole_days_reads_its_range_of_the_reports_roll_up(UsageReportGrouping grouping)
    {
        var query = new UsageReportQuery { From = Month, To = Month.AddMonths(1), GroupBy = grouping, Label = "team" };

        var plan = await ExplainAsync(PostgreSqlUsageLedger.ReportSql(query), p =>
        {
            p.AddWithValue("limit", NpgsqlDbType.Integer, 101);
            p.AddWithValue("label", NpgsqlDbType.Text, "team");
        });

        Assert.Contains("usage_report_daily_pkey", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_month_starting_mid_day_reads_the_partial_days_from_the_hour_index_and_the_rest_from_the_roll_up()
    {
        var query = new UsageReportQuery { From = Month.AddHours(7), To = Month.AddMonths(1).AddHours(5) };

        var plan = await ExplainAsync(PostgreSqlUsageLedger.ReportSql(query), p => p.AddWithValue("limit", NpgsqlDbType.Integer, 101), query.From, query.To);

        Assert.Contains("usage_ledger_hour_idx", plan, StringComparison.Ordinal);
        Assert.Contains("usage_report_daily_pkey", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
    }

    private async Task<string> ExplainAsync(string sql, Action<NpgsqlParameterCollection> parameters, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        await using var dataSource = _database.CreateDataSource();
        await using var command = dataSource.CreateCommand("EXPLAIN " + sql);
        command.Parameters.AddWithValue("from", NpgsqlDbType.TimestampTz, from ?? Month);
        command.Parameters.AddWithValue("to", NpgsqlDbType.TimestampTz, to ?? Month.AddMonths(1));
        PostgreSqlUsageLedger.AddWholeDays(command.Parameters, from ?? Month, to ?? Month.AddMonths(1), rollUp: true);
        parameters(command.Parameters);
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
