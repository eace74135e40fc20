using Maas.Usage;
using Microsoft.Data.Sqlite;

namespace Maas.Storage.Sqlite;

/// <summary>
/// The usage ledger of the <c>disk</c> store: <c>usage_ledger</c> in the key store's file, one row
/// per user, hour, credential, tier, model and outcome, and <c>usage_ledger_batches</c>, the ids of
/// the batches applied. A batch is one transaction on the writer (the gateway already batched it, about
/// one a second per replica, so it does not need the group commit): its id first (a batch seen before
/// changes nothing), then an upsert per increment that adds, saturating at 2^63 - 1.
/// </summary>
/// <remarks>
/// Labels are the row's JSON object (a key's labels never change, so they are a function of the
/// credential in the row's key); a report sums a user's rows in the range in process, reading the
/// label from that JSON, so grouping by any label needs no index of its own and no join.
/// </remarks>
internal sealed class SqliteUsageLedger(SqliteDatabase database)
{
    private const string BatchSql = "INSERT INTO usage_ledger_batches (id, hour) VALUES ($id, $hour) ON CONFLICT (id) DO NOTHING";
    private const string UpsertSql =
        "INSERT INTO usage_ledger (user_name, hour, credential, tier, model, outcome, labels, requests, prompt_tokens, completion_tokens) " +
        "VALUES ($user, $hour, $credential, $tier, $model, $outcome, $labels, $requests, $prompt, $completion) " +
        "ON CONFLICT (user_name, hour, credential, tier, model, outcome) DO UPDATE SET " +
        "requests = CASE WHEN requests > 9223372036854775807 - excluded.requests THEN 9223372036854775807 ELSE requests + excluded.requests END, " +
        "prompt_tokens = CASE WHEN prompt_tokens > 9223372036854775807 - excluded.prompt_tokens THEN 9223372036854775807 ELSE prompt_tokens + excluded.prompt_tokens END, " +
        "completion_tokens = CASE WHEN completion_tokens > 9223372036854775807 - excluded.completion_tokens THEN 9223372036854775807 ELSE completion_tokens + excluded.completion_tokens END";
    private const string QuerySql =
        "SELECT hour, credential, model, outcome, labels, requests, prompt_tokens, completion_tokens FROM usage_ledger " +
        "WHERE user_name = $user AND hour >= $from AND hour < $to";
    private const string ReportSql =
        "SELECT user_name, tier, model, outcome, labels, requests, prompt_tokens, completion_tokens FROM usage_ledger " +
        "WHERE hour >= $from AND hour < $to";
    private const string DeleteRowsSql = "DELETE FROM usage_ledger WHERE hour < $before";
    private const string DeleteBatchesSql = "DELETE FROM usage_ledger_batches WHERE hour < $before";

    public async ValueTask<bool> AppendAsync(UsageBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(batch.Increments);
        ArgumentOutOfRangeException.ThrowIfZero(batch.Increments.Count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batch.Increments.Count, UsageBatch.MaxIncrements);
        var earliest = long.MaxValue;
        foreach (var increment in batch.Increments)
        {
            ArgumentNullException.ThrowIfNull(increment);
            increment.Validate();
            earliest = Math.Min(earliest, UnixMicroseconds.From(increment.Hour));
        }

        return await database.WriteAsync(
            (session, _) =>
            {
                using var transaction = session.Connection.BeginTransaction(deferred: false);
                var claim = session.Command(BatchSql, transaction);
                claim.Parameters.AddWithValue("$id", batch.Id.ToString("N"));
                claim.Parameters.AddWithValue("$hour", earliest);
                if (claim.ExecuteNonQuery() == 0)
                {
                    return false;
                }

                foreach (var increment in batch.Increments)
                {
                    var upsert = session.Command(UpsertSql, transaction);
                    var p = upsert.Parameters;
                    p.AddWithValue("$user", increment.User);
                    p.AddWithValue("$hour", UnixMicroseconds.From(increment.Hour));
                    p.AddWithValue("$credential", increment.Credential);
                    p.AddWithValue("$tier", increment.Tier);
                    p.AddWithValue("$model", increment.Model);
                    p.AddWithValue("$outcome", (int)increment.Outcome);
                    p.AddWithValue("$labels", LabelsJson.Write(increment.Labels));
                    p.AddWithValue("$requests", increment.Requests);
                    p.AddWithValue("$prompt", increment.PromptTokens);
                    p.AddWithValue("$completion", increment.CompletionTokens);
                    upsert.ExecuteNonQuery();
                }

                transaction.Commit();
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<UsageBucket>> QueryAsync(UsageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        return await database.ReadAsync(
            session =>
            {
                var command = session.Command(QuerySql);
                command.Parameters.AddWithValue("$user", query.User);
                command.Parameters.AddWithValue("$from", UnixMicroseconds.From(query.From));
                command.Parameters.AddWithValue("$to", UnixMicroseconds.From(query.To));
                var buckets = new UsageBuckets(query);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var labels = query.GroupBy == UsageGrouping.Label ? LabelsJson.Read(reader.GetString(4)) : EmptyLabels;
                    buckets.Add(
                        UnixMicroseconds.To(reader.GetInt64(0)),
                        reader.GetString(2),
                        reader.GetString(1),
                        labels,
                        (UsageOutcome)reader.GetInt32(3),
                        reader.GetInt64(5),
                        reader.GetInt64(6),
                        reader.GetInt64(7));
                }

                return buckets.ToList();
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<UsageReportPage> ReportAsync(UsageReportQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();

        // The filters narrow the read in SQL (a user's range is a seek on the primary key); the sums,
        // the order and the page are the shared in-process rules.
        var sql = ReportSql
            + (query.User is null ? "" : " AND user_name = $user")
            + (query.Tier is null ? "" : " AND tier = $tier")
            + (query.Model is null ? "" : " AND model = $model");
        return await database.ReadAsync(
            session =>
            {
                var command = session.Command(sql);
                command.Parameters.AddWithValue("$from", UnixMicroseconds.From(query.From));
                command.Parameters.AddWithValue("$to", UnixMicroseconds.From(query.To));
                AddFilter(command, "$user", query.User);
                AddFilter(command, "$tier", query.Tier);
                AddFilter(command, "$model", query.Model);
                var sums = new UsageReportSums(query);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var labels = query.GroupBy == UsageReportGrouping.Label ? LabelsJson.Read(reader.GetString(4)) : EmptyLabels;
                    sums.Add(
                        reader.GetString(0),
                        reader.GetString(1),
                        reader.GetString(2),
                        labels,
                        (UsageOutcome)reader.GetInt32(3),
                        reader.GetInt64(5),
                        reader.GetInt64(6),
                        reader.GetInt64(7));
                }

                return sums.ToPage();
            },
            cancellationToken).ConfigureAwait(false);
    }

    private static void AddFilter(SqliteCommand command, string name, string? value)
    {
        if (value is not null)
        {
            command.Parameters.AddWithValue(name, value);
        }
    }

    public async ValueTask<long> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        await database.WriteAsync(
            (session, _) =>
            {
                using var transaction = session.Connection.BeginTransaction(deferred: false);
                var rows = session.Command(DeleteRowsSql, transaction);
                rows.Parameters.AddWithValue("$before", UnixMicroseconds.From(before));
                long removed = rows.ExecuteNonQuery();
                var batches = session.Command(DeleteBatchesSql, transaction);
                batches.Parameters.AddWithValue("$before", UnixMicroseconds.From(before));
                batches.ExecuteNonQuery();
                transaction.Commit();
                return removed;
            },
            cancellationToken).ConfigureAwait(false);

    private static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();
}
