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
/// Labels are the row's jsonb (a key's labels never change, so they are a function of the credential
/// in the row's key); a report groups by <c>labels -&gt;&gt; @label</c>, reading only the user's rows in the
/// range (the primary key's prefix), so any label groups without an index or side table of its own.
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
    private const string Sums =
        "LEAST(SUM(requests), 9223372036854775807)::bigint, " +
        "LEAST(COALESCE(SUM(requests) FILTER (WHERE outcome = 1), 0), 9223372036854775807)::bigint, " +
        "LEAST(COALESCE(SUM(requests) FILTER (WHERE outcome = 2), 0), 9223372036854775807)::bigint, " +
        "LEAST(SUM(prompt_tokens), 9223372036854775807)::bigint, " +
        "LEAST(SUM(completion_tokens), 9223372036854775807)::bigint " +
        "FROM usage_ledger WHERE user_name = @user AND hour >= @from AND hour < @to GROUP BY 1, 2 ORDER BY 1, 2 NULLS FIRST";
    private const string ByModelSql = "SELECT date_trunc(@unit, hour AT TIME ZONE 'UTC'), model, " + Sums;
    private const string ByKeySql = "SELECT date_trunc(@unit, hour AT TIME ZONE 'UTC'), credential, " + Sums;
    private const string ByLabelSql = "SELECT date_trunc(@unit, hour AT TIME ZONE 'UTC'), (labels ->> @label) COLLATE \"C\", " + Sums;
    private const string ReportSums =
        "LEAST(SUM(requests), 9223372036854775807)::bigint AS requests, " +
        "LEAST(COALESCE(SUM(requests) FILTER (WHERE outcome = 1), 0), 9223372036854775807)::bigint AS limited, " +
        "LEAST(COALESCE(SUM(requests) FILTER (WHERE outcome = 2), 0), 9223372036854775807)::bigint AS failed, " +
        "LEAST(SUM(prompt_tokens), 9223372036854775807)::bigint AS prompt, " +
        "LEAST(SUM(completion_tokens), 9223372036854775807)::bigint AS completion, " +
        "LEAST(SUM(prompt_tokens) + SUM(completion_tokens), 9223372036854775807)::bigint AS total " +
        "FROM usage_ledger WHERE hour >= @from AND hour < @to";
    private const string DeleteSql =
        "WITH rows AS (DELETE FROM usage_ledger WHERE hour < @before RETURNING 1), " +
        "batches AS (DELETE FROM usage_ledger_batches WHERE hour < @before) SELECT count(*) FROM rows";

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

                using (var upsert = new NpgsqlCommand(UpsertSql, connection, transaction))
                {
                    var p = upsert.Parameters;
                    p.AddWithValue("users", NpgsqlDbType.Array | NpgsqlDbType.Text, rows.Select(i => i.User).ToArray());
                    p.AddWithValue("hours", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, rows.Select(i => PostgreSqlSchema.ToStoredInstant(i.Hour)).ToArray());
                    p.AddWithValue("credentials", NpgsqlDbType.Array | NpgsqlDbType.Text, rows.Select(i => i.Credential).ToArray());
                    p.AddWithValue("tiers", NpgsqlDbType.Array | NpgsqlDbType.Text, rows.Select(i => i.Tier).ToArray());
                    p.AddWithValue("models", NpgsqlDbType.Array | NpgsqlDbType.Text, rows.Select(i => i.Model).ToArray());
                    p.AddWithValue("outcomes", NpgsqlDbType.Array | NpgsqlDbType.Smallint, rows.Select(i => (short)i.Outcome).ToArray());
                    p.AddWithValue("labels", NpgsqlDbType.Array | NpgsqlDbType.Text, rows.Select(i => LabelsJson.Write(i.Labels)).ToArray());
                    p.AddWithValue("requests", NpgsqlDbType.Array | NpgsqlDbType.Bigint, rows.Select(i => i.Requests).ToArray());
                    p.AddWithValue("prompt", NpgsqlDbType.Array | NpgsqlDbType.Bigint, rows.Select(i => i.PromptTokens).ToArray());
                    p.AddWithValue("completion", NpgsqlDbType.Array | NpgsqlDbType.Bigint, rows.Select(i => i.CompletionTokens).ToArray());
                    await upsert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

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
        var sql = new System.Text.StringBuilder("SELECT grp, requests, limited, failed, prompt, completion FROM (SELECT ")
            .Append(group).Append(" AS grp, ").Append(ReportSums);
        if (query.User is not null)
        {
            sql.Append(" AND user_name = @user");
        }

        if (query.Tier is not null)
        {
            sql.Append(" AND tier = @tier");
        }

        if (query.Model is not null)
        {
            sql.Append(" AND model = @model");
        }

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

    public async ValueTask<long> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(
            async (connection, ct) =>
            {
                using var command = new NpgsqlCommand(DeleteSql, connection);
                command.Parameters.AddWithValue("before", NpgsqlDbType.TimestampTz, PostgreSqlSchema.ToStoredInstant(before));
                return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);
}
