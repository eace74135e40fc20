using System.Text;
using Maas.ApiKeys;
using Microsoft.Data.Sqlite;

namespace Maas.Storage.Sqlite;

/// <summary>
/// The SQL of a key search. Its text depends only on the shape of the search (owner or not, labels
/// or not, ephemeral keys or not, subscription or not, sort, direction, cursor kind), at most 768 texts, so each is prepared once per
/// connection; every value is a parameter. An owner's search walks an <c>(owner, sort, id)</c>
/// index (creation and expiry instants, names); the keyset condition is a row-value comparison
/// the index answers, so a deep cursor page costs what the first one does.
/// </summary>
internal static class SqliteSearchQuery
{
    public static SqliteCommand Prepare(SqliteSession session, string columns, ApiKeySearch search)
    {
        var sql = Sql(columns, search);
        var command = session.Command(sql);
        var p = command.Parameters;
        if (search.Owner is not null)
        {
            p.AddWithValue("$owner", search.Owner);
        }

        p.AddWithValue("$now", UnixMicroseconds.From(search.Now));
        p.AddWithValue("$any", search.Statuses.Count == 0 ? 1 : 0);
        p.AddWithValue("$active", search.Statuses.Contains(ApiKeyStatus.Active) ? 1 : 0);
        p.AddWithValue("$expired", search.Statuses.Contains(ApiKeyStatus.Expired) ? 1 : 0);
        p.AddWithValue("$revoked", search.Statuses.Contains(ApiKeyStatus.Revoked) ? 1 : 0);
        if (search.Labels.Count > 0)
        {
            p.AddWithValue("$labels", LabelsJson.Write(search.Labels));
        }

        if (search.Subscription is not null)
        {
            p.AddWithValue("$subscription", search.Subscription);
        }

        if (search.After is { } after)
        {
            p.AddWithValue("$after_id", after.Id);
            if (search.SortBy == ApiKeySortField.Name)
            {
                p.AddWithValue("$after_value", after.Name ?? "");
            }
            else if (after.Instant is { } instant)
            {
                p.AddWithValue("$after_value", UnixMicroseconds.From(instant));
            }
        }

        p.AddWithValue("$limit", search.Limit + 1);
        p.AddWithValue("$offset", search.Offset);
        return command;
    }

    private static string Sql(string columns, ApiKeySearch search)
    {
        var column = search.SortBy switch
        {
            ApiKeySortField.ExpiresAt => "expires_at",
            ApiKeySortField.LastUsedAt => "last_used_at",
            ApiKeySortField.Name => "name",
            _ => "created_at",
        };
        var direction = search.Descending ? "DESC" : "ASC";
        var comparison = search.Descending ? "<" : ">";
        var sql = new StringBuilder("SELECT ").Append(columns).Append(" FROM api_keys WHERE ");
        sql.Append(search.Owner is null ? "1 = 1" : "owner = $owner");
        sql.Append(" AND ($any = 1 OR ($active = 1 AND revoked_at IS NULL AND expires_at > $now)")
            .Append(" OR ($expired = 1 AND revoked_at IS NULL AND expires_at <= $now)")
            .Append(" OR ($revoked = 1 AND revoked_at IS NOT NULL))");
        if (!search.IncludeEphemeral)
        {
            sql.Append(" AND ephemeral = 0");
        }

        if (search.Subscription is not null)
        {
            sql.Append(" AND subscription = $subscription");
        }

        if (search.Labels.Count > 0)
        {
            // Every wanted label is among the key's, with the same value.
            sql.Append(" AND NOT EXISTS (SELECT 1 FROM json_each($labels) AS wanted WHERE NOT EXISTS ")
                .Append("(SELECT 1 FROM json_each(api_keys.labels) AS held WHERE held.key = wanted.key AND held.value = wanted.value))");
        }

        if (search.After is { } after)
        {
            if (search.SortBy == ApiKeySortField.LastUsedAt)
            {
                // Never-used keys come last in either direction.
                sql.Append(after.Instant is null
                    ? $" AND last_used_at IS NULL AND id {comparison} $after_id"
                    : $" AND (last_used_at IS NULL OR (last_used_at, id) {comparison} ($after_value, $after_id))");
            }
            else
            {
                sql.Append($" AND ({column}, id) {comparison} ($after_value, $after_id)");
            }
        }

        sql.Append(" ORDER BY ");
        if (search.SortBy == ApiKeySortField.LastUsedAt)
        {
            sql.Append("last_used_at IS NULL, ");
        }

        sql.Append($"{column} {direction}, id {direction} LIMIT $limit OFFSET $offset");
        return sql.ToString();
    }
}
