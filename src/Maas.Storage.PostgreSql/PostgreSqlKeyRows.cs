using Maas.ApiKeys;
using Maas.Storage.PostgreSql.Migrations;
using Npgsql;
using NpgsqlTypes;

namespace Maas.Storage.PostgreSql;

/// <summary>How an <see cref="ApiKeyRecord"/> is a row of <c>api_keys</c>: the columns, the insert and the read.</summary>
internal static class PostgreSqlKeyRows
{
    public const string Columns =
        "id, owner, owner_groups, name, description, hash, created_at, expires_at, revoked_at, last_used_at, labels, rotated_from, replaced_by, ephemeral, limits, subscription";

    public static NpgsqlBatchCommand InsertCommand(ApiKeyRecord key)
    {
        var insert = new NpgsqlBatchCommand(
            $"""
            INSERT INTO api_keys ({Columns}) VALUES (@id, @owner, @groups, @name, @description, @hash, @created, @expires,
                COALESCE(@revoked, (SELECT revoked_before FROM owner_revocations WHERE owner = @owner AND revoked_before >= @created)),
                @used, @labels, @rotated_from, @replaced_by, @ephemeral, @limits, @subscription)
            """);
        var p = insert.Parameters;
        p.AddWithValue("id", key.Id);
        p.AddWithValue("owner", key.Owner);
        p.AddWithValue("groups", NpgsqlDbType.Array | NpgsqlDbType.Text, key.OwnerGroups.ToArray());
        p.AddWithValue("name", key.Name);
        p.AddWithValue("description", NpgsqlDbType.Text, (object?)key.Description ?? DBNull.Value);
        p.AddWithValue("hash", NpgsqlDbType.Bytea, key.Hash.ToArray());
        p.AddWithValue("created", NpgsqlDbType.TimestampTz, PostgreSqlSchema.ToStoredInstant(key.CreatedAt));
        p.AddWithValue("expires", NpgsqlDbType.TimestampTz, PostgreSqlSchema.ToStoredInstant(key.ExpiresAt));
        p.AddWithValue("revoked", NpgsqlDbType.TimestampTz, Instant(key.RevokedAt));
        p.AddWithValue("used", NpgsqlDbType.TimestampTz, Instant(key.LastUsedAt));
        p.AddWithValue("labels", NpgsqlDbType.Jsonb, LabelsJson.Write(key.Labels));
        p.AddWithValue("rotated_from", NpgsqlDbType.Text, (object?)key.RotatedFrom ?? DBNull.Value);
        p.AddWithValue("replaced_by", NpgsqlDbType.Text, (object?)key.ReplacedBy ?? DBNull.Value);
        p.AddWithValue("ephemeral", key.Ephemeral);
        p.AddWithValue("limits", NpgsqlDbType.Jsonb, KeyLimitsJson.Write(key.Limits));
        p.AddWithValue("subscription", NpgsqlDbType.Text, (object?)key.Subscription ?? DBNull.Value);
        return insert;
    }

    public static async Task<List<ApiKeyRecord>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new List<ApiKeyRecord>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new ApiKeyRecord
            {
                Id = reader.GetString(0),
                Owner = reader.GetString(1),
                OwnerGroups = reader.GetFieldValue<string[]>(2),
                Name = reader.GetString(3),
                Description = reader.IsDBNull(4) ? null : reader.GetString(4),
                Hash = reader.GetFieldValue<byte[]>(5),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(6),
                ExpiresAt = reader.GetFieldValue<DateTimeOffset>(7),
                RevokedAt = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                LastUsedAt = reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
                Labels = LabelsJson.Read(reader.GetString(10)),
                RotatedFrom = reader.IsDBNull(11) ? null : reader.GetString(11),
                ReplacedBy = reader.IsDBNull(12) ? null : reader.GetString(12),
                Ephemeral = reader.GetBoolean(13),
                Limits = reader.IsDBNull(14) ? null : KeyLimitsJson.Read(reader.GetString(14)),
                Subscription = reader.IsDBNull(15) ? null : reader.GetString(15),
            });
        }

        return result;
    }

    public static object Instant(DateTimeOffset? value) =>
        value is { } v ? PostgreSqlSchema.ToStoredInstant(v) : DBNull.Value;
}
