using Maas.ApiKeys;
using Microsoft.Data.Sqlite;

namespace Maas.Storage.Sqlite;

/// <summary>How an <see cref="ApiKeyRecord"/> is a row of <c>api_keys</c>: the columns, the insert and the read.</summary>
internal static class SqliteKeyRows
{
    public const string Columns = "id, owner, owner_groups, name, description, hash, created_at, expires_at, revoked_at, last_used_at, labels, rotated_from, replaced_by, ephemeral, limits, subscription";

    // A key created up to the owner's revoked-before instant is stored revoked at that instant:
    // the add lost a race with a revoke-all (writes are serialized, so the subquery sees its result).
    private const string InsertSql =
        "INSERT INTO api_keys (" + Columns + ") VALUES ($id, $owner, $owner_groups, $name, $description, $hash, $created_at, $expires_at, " +
        "COALESCE($revoked_at, (SELECT revoked_before FROM owner_revocations WHERE owner = $owner AND revoked_before >= $created_at)), $last_used_at, $labels, " +
        "$rotated_from, $replaced_by, $ephemeral, $limits, $subscription)";

    // SQLITE_CONSTRAINT_PRIMARYKEY and SQLITE_CONSTRAINT_UNIQUE.
    private const int ConstraintPrimaryKey = 1555;
    private const int ConstraintUnique = 2067;

    /// <summary>Tells whether the insert failed because the id or the hash exists.</summary>
    public static bool IsDuplicate(SqliteException exception) => exception.SqliteExtendedErrorCode is ConstraintPrimaryKey or ConstraintUnique;

    public static DuplicateKeyException Duplicate(SqliteException cause) => new("An API key with the same id or hash already exists.", cause);

    public static void Insert(SqliteSession session, SqliteTransaction transaction, ApiKeyRecord key)
    {
        var command = session.Command(InsertSql, transaction);
        var p = command.Parameters;
        p.AddWithValue("$id", key.Id);
        p.AddWithValue("$owner", key.Owner);
        p.AddWithValue("$owner_groups", OwnerGroupsJson.Write(key.OwnerGroups));
        p.AddWithValue("$name", key.Name);
        p.AddWithValue("$description", (object?)key.Description ?? DBNull.Value);
        p.AddWithValue("$hash", key.Hash);
        p.AddWithValue("$created_at", UnixMicroseconds.From(key.CreatedAt));
        p.AddWithValue("$expires_at", UnixMicroseconds.From(key.ExpiresAt));
        p.AddWithValue("$revoked_at", key.RevokedAt is { } revoked ? UnixMicroseconds.From(revoked) : DBNull.Value);
        p.AddWithValue("$last_used_at", key.LastUsedAt is { } used ? UnixMicroseconds.From(used) : DBNull.Value);
        p.AddWithValue("$labels", LabelsJson.Write(key.Labels));
        p.AddWithValue("$rotated_from", (object?)key.RotatedFrom ?? DBNull.Value);
        p.AddWithValue("$replaced_by", (object?)key.ReplacedBy ?? DBNull.Value);
        p.AddWithValue("$ephemeral", key.Ephemeral ? 1 : 0);
        p.AddWithValue("$limits", KeyLimitsJson.Write(key.Limits));
        p.AddWithValue("$subscription", (object?)key.Subscription ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    public static ApiKeyRecord? ReadSingle(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    public static List<ApiKeyRecord> ReadAll(SqliteCommand command, int capacity = 0)
    {
        var result = new List<ApiKeyRecord>(capacity);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add(Read(reader));
        }

        return result;
    }

    /// <summary>Reads the row under the reader, in <see cref="Columns"/> order.</summary>
    public static ApiKeyRecord Read(SqliteDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Owner = reader.GetString(1),
        OwnerGroups = OwnerGroupsJson.Read(reader.GetString(2)),
        Name = reader.GetString(3),
        Description = reader.IsDBNull(4) ? null : reader.GetString(4),
        Hash = reader.GetFieldValue<byte[]>(5),
        CreatedAt = UnixMicroseconds.To(reader.GetInt64(6)),
        ExpiresAt = UnixMicroseconds.To(reader.GetInt64(7)),
        RevokedAt = reader.IsDBNull(8) ? null : UnixMicroseconds.To(reader.GetInt64(8)),
        LastUsedAt = reader.IsDBNull(9) ? null : UnixMicroseconds.To(reader.GetInt64(9)),
        Labels = LabelsJson.Read(reader.GetString(10)),
        RotatedFrom = reader.IsDBNull(11) ? null : reader.GetString(11),
        ReplacedBy = reader.IsDBNull(12) ? null : reader.GetString(12),
        Ephemeral = reader.GetInt64(13) != 0,
        Limits = reader.IsDBNull(14) ? null : KeyLimitsJson.Read(reader.GetString(14)),
        Subscription = reader.IsDBNull(15) ? null : reader.GetString(15),
    };
}
