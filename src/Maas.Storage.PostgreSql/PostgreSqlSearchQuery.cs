using System.Text;
using Maas.ApiKeys;
using Maas.Storage.PostgreSql.Migrations;
using Npgsql;
using NpgsqlTypes;

namespace Maas.Storage.PostgreSql;

/// <summary>
/// The SQL of a key search; every value is a parameter, the text depends only on the search's
/// shape. An owner's search by creation, expiry or name walks the matching <c>(owner, sort, id)</c>
/// index in either direction, and the cursor condition is a row comparison that index answers,
/// so a deep cursor page reads what the first page does (see EXPLAIN in the store's tests). A
/// <c>last_used_at</c> sort has no index on purpose: indexing a column written on every use would
/// make those writes non-HOT; it sorts the owner's keys (or, for an administrator's search of
/// everyone, every matching key).
/// </summary>
internal static class PostgreSqlSearchQuery
{
    public static NpgsqlCommand Create(NpgsqlConnection connection, string columns, ApiKeySearch search)
    {
#pragma warning disable CA2100 // The text is built from the search's shape only; values are parameters.
        var command = new NpgsqlCommand(Sql(columns, search), connection);
#pragma warning restore CA2100
        var p = command.Parameters;
        if (search.Owner is not null)
        {
            p.AddWithValue("owner", search.Owner);
        }

        p.AddWithValue("now", NpgsqlDbType.TimestampTz, PostgreSqlSchema.ToStoredInstant(search.Now));
        p.AddWithValue("any", search.Statuses.Count == 0);
        p.AddWithValue("active", search.Statuses.Contains(ApiKeyStatus.Active));
        p.AddWithValue("expired", search.Statuses.Contains(ApiKeyStatus.Expired));
        p.AddWithValue("revoked", search.Statuses.Contains(ApiKeyStatus.Revoked));
        if (search.Labels.Count > 0)
        {
            p.AddWithValue("labels", NpgsqlDbType.Jsonb, LabelsJson.Write(search.Labels));
        }

        if (search.Subscription is not null)
        {
            p.AddWithValue("subscription", NpgsqlDbType.Text, search.Subscription);
        }

        if (search.After is { } after)
        {
            p.AddWithValue("after_id", after.Id);
            if (search.SortBy == ApiKeySortField.Name)
            {
                p.AddWithValue("after_value", NpgsqlDbType.Text, after.Name ?? "");
            }
            else if (after.Instant is { } instant)
            {
                // Positions come from stored instants: whole microseconds already.
                p.AddWithValue("after_value", NpgsqlDbType.TimestampTz, PostgreSqlSchema.ToStoredInstant(instant));
            }
        }

        p.AddWithValue("limit", search.Limit + 1);
        p.AddWithValue("offset", search.Offset);
        return command;
    }

    internal static string Sql(string columns, ApiKeySearch search)
    {
        var column = search.SortBy switch
        {
            ApiKeySortField.ExpiresAt => "expires_at",
            ApiKeySortField.LastUsedAt => "last_used_at",
            ApiKeySortField.Name => "(name COLLATE \"C\")",
            _ => "created_at",
        };
        var direction = search.Descending ? "DESC" : "ASC";
        var comparison = search.Descending ? "<" : ">";
        var sql = new StringBuilder("SELECT ").Append(columns).Append(" FROM api_keys WHERE ");
        sql.Append(search.Owner is null ? "TRUE" : "owner = @owner");
        sql.Append(" AND (@any OR (@active AND revoked_at IS NULL AND expires_at > @now)")
            .Append(" OR (@expired AND revoked_at IS NULL AND expires_at <= @now)")
            .Append(" OR (@revoked AND revoked_at IS NOT NULL))");
        if (!search.IncludeEphemeral)
        {
            sql.Append(" AND NOT ephemeral");
        }

        if (search.Subscription is not null)
        {
            sql.Append(" AND subscription = @subscription");
        }

        if (search.Labels.Count > 0)
        {
            sql.Append(" AND labels @> @labels");
        }

        if (search.After is { } after)
        {
            if (search.SortBy == ApiKeySortField.LastUsedAt)
            {
                // Never-used keys come last in either direction.
                sql.Append(after.Instant is null
                    ? $" AND last_used_at IS NULL AND id {comparison} @after_id"
                    : $" AND (last_used_at IS NULL OR (last_used_at, id) {comparison} (@after_value, @after_id))");
            }
            else if (search.SortBy == ApiKeySortField.Name)
            {
                sql.Append($" AND ((name COLLATE \"C\"), id) {comparison} ((@after_value COLLATE \"C\"), @after_id)");
            }
            else
            {
                sql.Append($" AND ({column}, id) {comparison} (@after_value, @after_id)");
            }
        }

        var nulls = search.SortBy == ApiKeySortField.LastUsedAt ? " NULLS LAST" : "";
        sql.Append($" ORDER BY {column} {direction}{nulls}, id {direction} LIMIT @limit OFFSET @offset");
        return sql.ToString();
    }
}
