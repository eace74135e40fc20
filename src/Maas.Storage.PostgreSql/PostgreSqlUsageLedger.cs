using Maas.Storage.PostgreSql.Migrations;
using Maas.Usage;
using Npgsql;
using NpgsqlTypes;

namespace Maas.Storage.PostgreSql;

/// <summary>
/// The usage ledger of the <c>external</c> store: <c>usage_ledger</c>, one row per user, hour,
/// credential, tier, model and outcome, shared by every replica, and <c>usage_ledger_batches</c>, the
/// ids of the batches applied. A batch is one transaction: its id first (a batch seen before changes
/// nothing, so a batch whose commit was not acknowledged is sent again safely, and a dead pooled
/// connection is retried), then one <c>INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE</c> that
/// adds each increment to its row (<c>x = x + excluded.x</c>, in <c>numeric</c>, capped at 2^63 - 1),
/// rows in key order so that two replicas' batches never deadlock on each other.
/// </summary>
/// <remarks>
/// <para>
/// Labels are the row's jsonb (a key's labels never change, so they are a function of the credential
/// in the row's key); a report groups by <c>labels -&gt;&gt; @label</c>, reading only the user's rows in the
/// range (the primary key's prefix), so any label groups without an index or side table of its own.
/// </para>
/// <para>
/// <c>usage_daily</c> is the daily roll-up: the same key with the UTC day in place of the hour. The
/// batch's transaction adds the batch's increments, summed per day, to it (before the hourly rows,
/// both in key order, saturating the same way), so it changes exactly when the hours do, once per
/// batch. Saturating sums compose (the capped sum of capped sums of counts of at least 0 is the capped
/// sum of the counts), so any sum of day rows equals the sum of their hours. Days and months are UTC
/// days and months, so the whole UTC days of a range are read from the roll-up, and only the hours
/// before the first and after the last whole day from <c>usage_ledger</c> (hourly buckets read only
/// hours). The retention sweep locks the roll-up against writers, removes the hours and the days
/// before the cutoff, and sums the day it cuts anew from the hours it keeps.
/// </para>
/// <para>
/// <c>usage_report_daily</c> is the administrators' report's roll-up: <c>usage_daily</c> without the
/// credential (which the report neither groups nor filters by), the label set in the key as the
/// SHA-256 of its jsonb text. The batch adds to it after <c>usage_daily</c> and before the hours, in
/// its own key order; the sweep locks it after <c>usage_daily</c> and cuts it the same way; so it is
/// exact when <c>usage_daily</c> is. The report reads its whole days from it, the partial first and
/// last day from the hours; a user's history reads <c>usage_daily</c> (it groups by key).
/// </para>
/// </remarks>
internal sealed class PostgreSqlUsageLedger(PostgreSqlDatabase database)
{
    private const string BatchSql = "INSERT INTO usage_ledger_batches (id, hour) VALUES (@id, @hour) ON CONFLICT (id) DO NOTHING";
    private const string UpsertSql =
        "INSERT INTO usage_ledger (user_name, hour, credential, tier, model, outcome, labels, requests, prompt_tokens, completion_tokens) " +
        "SELECT u, h, c, t, m, o, l::jsonb, r, p, q FROM unnest(@users, @hours, @credentials, @tiers, @models, @outcomes, @labels, @requests, @prompt, @completion) " +
        "AS x(u, h, c, t, m, o, l, r, p, q) " +
        "ON CONFLICT (user_name, hour, credential, tier, model, outcome) DO UPDATE SET " +
        "requests = LEAST(usage_ledger.requests::numeric + excluded.requests, 9223372036854775807)::bigint, " +
        "prompt_tokens = LEAST(usage_ledger.prompt_tokens::numeric + excluded.prompt_tokens, 9223372036854775807)::bigint, " +
        "completion_tokens = LEAST(usage_ledger.completion_tokens::numeric + excluded.completion_tokens, 9223372036854775807)::bigint";
    private const string DailyUpsertSql =
        "INSERT INTO usage_daily (user_name, day, credential, tier, model, outcome, labels, requests, prompt_tokens, completion_tokens) " +
        "SELECT u, date_trunc('day', h AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', c, t, m, o, ((array_agg(l))[1])::jsonb, " +
        "LEAST(SUM(r), 9223372036854775807)::bigint, LEAST(SUM(p), 9223372036854775807)::bigint, LEAST(SUM(q), 9223372036854775807)::bigint " +
        "FROM unnest(@users, @hours, @credentials, @tiers, @models, @outcomes, @labels, @requests, @prompt, @completion) " +
        "AS x(u, h, c, t, m, o, l, r, p, q) " +
        "GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY u COLLATE \"C\", 2, c COLLATE \"C\", t COLLATE \"C\", m COLLATE \"C\", o " +
        "ON CONFLICT (user_name, day, credential, tier, model, outcome) DO UPDATE SET " +
        "requests = LEAST(usage_daily.requests::numeric + excluded.requests, 9223372036854775807)::bigint, " +
        "prompt_tokens = LEAST(usage_daily.prompt_tokens::numeric + excluded.prompt_tokens, 9223372036854775807)::bigint, " +
        "completion_tokens = LEAST(usage_daily.completion_tokens::numeric + excluded.completion_tokens, 9223372036854775807)::bigint";

    private const string ReportDailyUpsertSql =
        "INSERT INTO usage_report_daily (day, user_name, tier, model, outcome, labels_hash, labels, requests, prompt_tokens, completion_tokens) " +
        "SELECT date_trunc('day', h AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', u, t, m, o, " + LabelsHashOfText + ", ((array_agg(l))[1])::jsonb, " +
        "LEAST(SUM(r), 9223372036854775807)::bigint, LEAST(SUM(p), 9223372036854775807)::bigint, LEAST(SUM(q), 9223372036854775807)::bigint " +
        "FROM unnest(@users, @hours, @credentials, @tiers, @models, @outcomes, @labels, @requests, @prompt, @completion) " +
        "AS x(u, h, c, t, m, o, l, r, p, q) " +
        "GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, u COLLATE \"C\", t COLLATE \"C\", m COLLATE \"C\", o, 6 " +
        "ON CONFLICT (day, user_name, tier, model, outcome, labels_hash) DO UPDATE SET " +
        "requests = LEAST(usage_report_daily.requests::numeric + excluded.requests, 9223372036854775807)::bigint, " +
        "prompt_tokens = LEAST(usage_report_daily.prompt_tokens::numeric + excluded.prompt_tokens, 9223372036854775807)::bigint, " +
        "completion_tokens = LEAST(usage_report_daily.completion_tokens::numeric + excluded.completion_tokens, 9223372036854775807)::bigint";

    /// <summary>The key of a label set in <c>usage_report_daily</c>: the SHA-256 of its jsonb text (canonical, whatever text was sent).</summary>
    private const string LabelsHashOfText = "sha256(convert_to(l::jsonb::text, 'UTF8'))";

    /// <summary>
    /// The roll-up of the hourly rows in <c>@from</c> to <c>@to</c> (one UTC day or less), as the
    /// migration back-filled it: the retention sweep writes a day it cut anew from the hours it kept.
    /// </summary>
    internal const string RollUpSql =
        "INSERT INTO usage_daily (user_name, day, credential, tier, model, outcome, labels, requests, prompt_tokens, completion_tokens) " +
        "SELECT user_name, date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', credential, tier, model, outcome, " +
        "(array_agg(labels ORDER BY hour))[1], LEAST(SUM(requests), 9223372036854775807)::bigint, " +
        "LEAST(SUM(prompt_tokens), 9223372036854775807)::bigint, LEAST(SUM(completion_tokens), 9223372036854775807)::bigint " +
        "FROM usage_ledger WHERE hour >= @from AND hour < @to GROUP BY 1, 2, 3, 4, 5, 6";

    /// <summary>
    /// The report's roll-up of the hourly rows in <c>@from</c> to <c>@to</c> (one UTC day or less),
    /// as the sweep writes a day it cut anew (migration 10 back-filled it from <c>usage_daily</c>, the same sums).
    /// </summary>
    internal const string ReportRollUpSql =
        "INSERT INTO usage_report_daily (day, user_name, tier, model, outcome, labels_hash, labels, requests, prompt_tokens, completion_tokens) " +
        "SELECT date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', user_name, tier, model, outcome, sha256(convert_to(labels::text, 'UTF8')), " +
        "(array_agg(labels))[1], LEAST(SUM(requests), 9223372036854775807)::bigint, " +
        "LEAST(SUM(prompt_tokens), 9223372036854775807)::bigint, LEAST(SUM(completion_tokens), 9223372036854775807)::bigint " +
        "FROM usage_ledger WHERE hour >= @from AND hour < @to GROUP BY 1, 2, 3, 4, 5, 6";

    private const string Sums =
        "LEAST(SUM(requests), 9223372036854775807)::bigint, " +
        "LEAST(COALESCE(SUM(requests) FILTER (WHERE outcome = 1), 0), 9223372036854775807)::bigint, " +
        "LEAST(COALESCE(SUM(requests) FILTER (WHERE outcome = 2), 0), 9223372036854775807)::bigint, " +
        "LEAST(SUM(prompt_tokens), 9223372036854775807)::bigint, " +
        "LEAST(SUM(completion_tokens), 9223372036854775807)::bigint " +
        "FROM (" +
        "SELECT hour AS at, credential, model, outcome, labels, requests, prompt_tokens, completion_tokens FROM usage_ledger WHERE user_name = @user AND hour >= @from AND hour < @day_from " +
        "UNION ALL SELECT day, credential, model, outcome, labels, requests, prompt_tokens, completion_tokens FROM usage_daily WHERE user_name = @user AND day >= @day_from AND day < @day_to " +
        "UNION ALL SELECT hour, credential, model, outcome, labels, requests, prompt_tokens, completion_tokens FROM usage_ledger WHERE user_name = @user AND hour >= @day_to AND hour < @to" +
        ") AS usage GROUP BY 1, 2 ORDER BY 1, 2 NULLS FIRST";
    private const string ByModelSql = "SELECT date_trunc(@unit, at AT TIME ZONE 'UTC'), model, " + Sums;
    private const string ByKeySql = "SELECT date_trunc(@unit, at AT TIME ZONE 'UTC'), credential, " + Sums;
    private const string ByLabelSql = "SELECT date_trunc(@unit, at AT TIME ZONE 'UTC'), (labels ->> @label) COLLATE \"C\", " + Sums;
    private const string ReportSums =
        "LEAST(SUM(requests), 9223372036854775807)::bigint AS requests, " +
        "LEAST(COALESCE(SUM(requests) FILTER (WHERE outcome = 1), 0), 9223372036854775807)::bigint AS limited, " +
        "LEAST(COALESCE(SUM(requests) FILTER (WHERE outcome = 2), 0), 9223372036854775807)::bigint AS failed, " +
        "LEAST(SUM(prompt_tokens), 9223372036854775807)::bigint AS prompt, " +
        "LEAST(SUM(completion_tokens), 9223372036854775807)::bigint AS completion, " +
        "LEAST(SUM(prompt_tokens) + SUM(completion_tokens), 9223372036854775807)::bigint AS total ";
    private const string ReportColumns = "user_name, tier, model, outcome, labels, requests, prompt_tokens, completion_tokens FROM ";
    private const string LockRollUpSql = "LOCK TABLE usage_daily, usage_report_daily IN SHARE ROW EXCLUSIVE MODE";
    private const string DeleteSql =
        "WITH rows AS (DELETE FROM usage_ledger WHERE hour < @before RETURNING 1), " +
        "batches AS (DELETE FROM usage_ledger_batches WHERE hour < @before) SELECT count(*) FROM rows";
    private const string DeleteDaysSql = "DELETE FROM usage_daily WHERE day < @to; DELETE FROM usage_report_daily WHERE day < @to";

    /// <summary>
    /// Gets whether reads take whole days from the roll-up (always, but in the tests that compare its
    /// answers with the same reads summed from the hourly rows alone).
    /// </summary>
    internal bool ReadsRollUp { get; init; } = true;

    public async ValueTask<bool> AppendAsync(UsageBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(batch.Increments);
        ArgumentOutOfRangeException.ThrowIfZero(batch.Increments.Count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batch.Increments.Count, UsageBatch.MaxIncrements);
        foreach (var increment in batch.Increments)
        {
            ArgumentNullException.ThrowIfNull(increment);
            increment.Validate();
        }

        var rows = batch.Increments
            .OrderBy(i => i.User, StringComparer.Ordinal)
            .ThenBy(i => i.Hour)
            .ThenBy(i => i.Credential, StringComparer.Ordinal)
            .ThenBy(i => i.Tier, StringComparer.Ordinal)
            .ThenBy(i => i.Model, StringComparer.Ordinal)
            .ThenBy(i => i.Outcome)
            .ToArray();
        var earliest = rows.Min(i => i.Hour);

        // Idempotent by the batch's id: a dead pooled connection is retried like a read.
        return await database.ExecuteAsync(
            async (connection, ct) =>
            {
                var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using var transactionScope = transaction.ConfigureAwait(false);
                using (var claim = new NpgsqlCommand(BatchSql, connection, transaction))
                {
                    claim.Parameters.AddWithValue("id", NpgsqlDbType.Uuid, batch.Id);
                    claim.Parameters.AddWithValue("hour", NpgsqlDbType.TimestampTz, earliest.ToUniversalTime());
                    if (await claim.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0)
                    {
                        return false;
                    }
                }

                // The day's rows first, then the report's day rows, then the hours', each in key order:
                // every writer (and the sweep, which locks both roll-ups first, in that order) takes its
                // locks in that one order.
                var users = rows.Select(i => i.User).ToArray();
                var hours = rows.Select(i => PostgreSqlSchema.ToStoredInstant(i.Hour)).ToArray();
                var credentials = rows.Select(i => i.Credential).ToArray();
                var tiers = rows.Select(i => i.Tier).ToArray();
                var models = rows.Select(i => i.Model).ToArray();
                var outcomes = rows.Select(i => (short)i.Outcome).ToArray();
                var labels = rows.Select(i => LabelsJson.Write(i.Labels)).ToArray();
                var requests = rows.Select(i => i.Requests).ToArray();
                var prompt = rows.Select(i => i.PromptTokens).ToArray();
                var completion = rows.Select(i => i.CompletionTokens).ToArray();
                using var upserts = new NpgsqlBatch(connection, transaction);
                foreach (var sql in new[] { DailyUpsertSql, ReportDailyUpsertSql, UpsertSql })
                {
                    var upsert = new NpgsqlBatchCommand(sql);
                    var p = upsert.Parameters;
                    p.AddWithValue("users", NpgsqlDbType.Array | NpgsqlDbType.Text, users);
                    p.AddWithValue("hours", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, hours);
                    p.AddWithValue("credentials", NpgsqlDbType.Array | NpgsqlDbType.Text, credentials);
                    p.AddWithValue("tiers", NpgsqlDbType.Array | NpgsqlDbType.Text, tiers);
                    p.AddWithValue("models", NpgsqlDbType.Array | NpgsqlDbType.Text, models);
                    p.AddWithValue("outcomes", NpgsqlDbType.Array | NpgsqlDbType.Smallint, outcomes);
                    p.AddWithValue("labels", NpgsqlDbType.Array | NpgsqlDbType.Text, labels);
                    p.AddWithValue("requests", NpgsqlDbType.Array | NpgsqlDbType.Bigint, requests);
                    p.AddWithValue("prompt", NpgsqlDbType.Array | NpgsqlDbType.Bigint, prompt);
                    p.AddWithValue("completion", NpgsqlDbType.Array | NpgsqlDbType.Bigint, completion);
                    upserts.BatchCommands.Add(upsert);
                }

                await upserts.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return true;
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<UsageBucket>> QueryAsync(UsageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var sql = QuerySql(query.GroupBy);
        var unit = query.Granularity switch
        {
            UsageGranularity.Hour => "hour",
            UsageGranularity.Day => "day",
            _ => "month",
        };
        return await database.ExecuteAsync(
            async (connection, ct) =>
            {
#pragma warning disable CA2100 // One of three constant texts; values are parameters.
                using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
                command.Parameters.AddWithValue("unit", unit);
                command.Parameters.AddWithValue("user", NpgsqlDbType.Text, query.User);
                command.Parameters.AddWithValue("from", NpgsqlDbType.TimestampTz, PostgreSqlSchema.ToStoredInstant(query.From));
                command.Parameters.AddWithValue("to", NpgsqlDbType.TimestampTz, PostgreSqlSchema.ToStoredInstant(query.To));
                AddWholeDays(command.Parameters, query.From, query.To, rollUp: ReadsRollUp && query.Granularity != UsageGranularity.Hour);
                if (query.GroupBy == UsageGrouping.Label)
                {
                    command.Parameters.AddWithValue("label", NpgsqlDbType.Text, query.Label!);
                }

                var buckets = new List<UsageBucket>();
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    buckets.Add(new UsageBucket
                    {
                        Start = new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc)),
                        Group = reader.IsDBNull(1) ? null : reader.GetString(1),
                        Requests = reader.GetInt64(2),
                        LimitedRequests = reader.GetInt64(3),
                        FailedRequests = reader.GetInt64(4),
                        PromptTokens = reader.GetInt64(5),
                        CompletionTokens = reader.GetInt64(6),
                    });
                }

                return (IReadOnlyList<UsageBucket>)buckets;
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<UsageReportPage> ReportAsync(UsageReportQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var sql = ReportSql(query);
        return await database.ExecuteAsync(
            async (connection, ct) =>
            {
#pragma warning disable CA2100 // Built from constant fragments only; values are parameters.
                using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
                var p = command.Parameters;
                p.AddWithValue("from", NpgsqlDbType.TimestampTz, PostgreSqlSchema.ToStoredInstant(query.From));
                p.AddWithValue("to", NpgsqlDbType.TimestampTz, PostgreSqlSchema.ToStoredInstant(query.To));
                AddWholeDays(p, query.From, query.To, rollUp: ReadsRollUp);
                p.AddWithValue("limit", NpgsqlDbType.Integer, query.Limit + 1);
                AddText(p, "label", query.GroupBy == UsageReportGrouping.Label ? query.Label : null);
                AddText(p, "user", query.User);
                AddText(p, "tier", query.Tier);
                AddText(p, "model", query.Model);
                if (query.After is { } after)
                {
                    p.AddWithValue("after_total", NpgsqlDbType.Bigint, after.TotalTokens);
                    AddText(p, "after_group", after.Group);
                }

                var entries = new List<UsageReportEntry>(Math.Min(query.Limit + 1, 128));
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    entries.Add(new UsageReportEntry
                    {
                        Group = reader.IsDBNull(0) ? null : reader.GetString(0),
                        Requests = reader.GetInt64(1),
                        LimitedRequests = reader.GetInt64(2),
                        FailedRequests = reader.GetInt64(3),
                        PromptTokens = reader.GetInt64(4),
                        CompletionTokens = reader.GetInt64(5),
                    });
                }

                if (entries.Count <= query.Limit)
                {
                    return new UsageReportPage { Entries = entries };
                }

                entries.RemoveAt(entries.Count - 1);
                return new UsageReportPage { Entries = entries, Next = entries[^1].Position };
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The text of a user's usage by <paramref name="grouping"/>: one of three constants.</summary>
    internal static string QuerySql(UsageGrouping grouping) => grouping switch
    {
        UsageGrouping.Model => ByModelSql,
        UsageGrouping.Key => ByKeySql,
        _ => ByLabelSql,
    };

    /// <summary>
    /// The report's text, from constant fragments: the group's column (the label's value in the "C"
    /// collation, like the other columns), the filters asked for, and the position after which the
    /// page starts, in the order total descending, group ascending with the missing label first.
    /// </summary>
    internal static string ReportSql(UsageReportQuery query)
    {
        var group = query.GroupBy switch
        {
            UsageReportGrouping.User => "user_name",
            UsageReportGrouping.Model => "model",
            UsageReportGrouping.Tier => "tier",
            _ => "(labels ->> @label) COLLATE \"C\"",
        };
        var filters = new System.Text.StringBuilder();
        if (query.User is not null)
        {
            filters.Append(" AND user_name = @user");
        }

        if (query.Tier is not null)
        {
            filters.Append(" AND tier = @tier");
        }

        if (query.Model is not null)
        {
            filters.Append(" AND model = @model");
        }

        var sql = new System.Text.StringBuilder("SELECT grp, requests, limited, failed, prompt, completion FROM (SELECT ")
            .Append(group).Append(" AS grp, ").Append(ReportSums)
            .Append("FROM (SELECT ").Append(ReportColumns).Append("usage_ledger WHERE hour >= @from AND hour < @day_from").Append(filters)
            .Append(" UNION ALL SELECT ").Append(ReportColumns).Append("usage_report_daily WHERE day >= @day_from AND day < @day_to").Append(filters)
            .Append(" UNION ALL SELECT ").Append(ReportColumns).Append("usage_ledger WHERE hour >= @day_to AND hour < @to").Append(filters)
            .Append(") AS usage");
        sql.Append(" GROUP BY 1) AS report");
        if (query.After is { } after)
        {
            sql.Append(after.Group is null
                ? " WHERE total < @after_total OR (total = @after_total AND grp IS NOT NULL)"
                : " WHERE total < @after_total OR (total = @after_total AND grp > @after_group)");
        }

        return sql.Append(" ORDER BY total DESC, grp NULLS FIRST LIMIT @limit").ToString();
    }

    private static void AddText(NpgsqlParameterCollection parameters, string name, string? value)
    {
        if (value is not null)
        {
            parameters.AddWithValue(name, NpgsqlDbType.Text, value);
        }
    }

    public async ValueTask<long> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        before = PostgreSqlSchema.ToStoredInstant(before);
        var cut = before.UtcTicks % TimeSpan.TicksPerDay == 0 ? (DateTimeOffset?)null : DayOf(before).AddDays(1);
        return await database.ExecuteAsync(
            async (connection, ct) =>
            {
                // The roll-up's lock first: writers wait here before they touch a row (they add to the
                // roll-up before the hours), so the day cut below is summed from every hour it keeps.
                var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using var transactionScope = transaction.ConfigureAwait(false);
                using (var lockRollUp = new NpgsqlCommand(LockRollUpSql, connection, transaction))
                {
                    await lockRollUp.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                long removed;
                using (var delete = new NpgsqlCommand(DeleteSql, connection, transaction))
                {
                    delete.Parameters.AddWithValue("before", NpgsqlDbType.TimestampTz, before);
                    removed = (long)(await delete.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
                }

                using (var deleteDays = new NpgsqlCommand(DeleteDaysSql, connection, transaction))
                {
                    deleteDays.Parameters.AddWithValue("to", NpgsqlDbType.TimestampTz, cut ?? before);
                    await deleteDays.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                if (cut is { } dayAfter)
                {
                    // The day the cutoff falls in keeps its later hours: its roll-ups are theirs alone.
                    using var rollUp = new NpgsqlCommand(RollUpSql + "; " + ReportRollUpSql, connection, transaction);
                    rollUp.Parameters.AddWithValue("from", NpgsqlDbType.TimestampTz, before);
                    rollUp.Parameters.AddWithValue("to", NpgsqlDbType.TimestampTz, dayAfter);
                    await rollUp.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return removed;
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The whole UTC days of <paramref name="from"/> to <paramref name="to"/>, which the roll-up answers:
    /// <c>@day_from</c> to <c>@day_to</c>; the hours before and after them are read hourly. With no
    /// whole day (or <paramref name="rollUp"/> false, for hourly buckets), both are <paramref name="to"/>:
    /// every hour is read hourly.
    /// </summary>
    internal static void AddWholeDays(NpgsqlParameterCollection parameters, DateTimeOffset from, DateTimeOffset to, bool rollUp)
    {
        from = PostgreSqlSchema.ToStoredInstant(from);
        to = PostgreSqlSchema.ToStoredInstant(to);
        var first = DayOf(from) == from ? from : DayOf(from).AddDays(1);
        var end = DayOf(to);
        if (!rollUp || first >= end)
        {
            (first, end) = (to, to);
        }

        parameters.AddWithValue("day_from", NpgsqlDbType.TimestampTz, first);
        parameters.AddWithValue("day_to", NpgsqlDbType.TimestampTz, end);
    }

    private static DateTimeOffset DayOf(DateTimeOffset instant) =>
        new(instant.UtcTicks - (instant.UtcTicks % TimeSpan.TicksPerDay), TimeSpan.Zero);
}
