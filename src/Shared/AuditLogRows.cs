using System.Data.Common;
using Maas.Auditing;

namespace Maas.Storage;

/// <summary>
/// The <c>audit_log</c> columns both durable stores select, in the order <see cref="Read"/> reads them:
/// one mapping of a row to an <see cref="AuditEntry"/>, so a column added to the table is read alike by both.
/// </summary>
internal static class AuditLogRows
{
    /// <summary>The selected columns; <c>at</c> (1) is stored differently by each database and read by the caller.</summary>
    public const string Columns = "sequence, at, action, actor, subject, key_id, replaced_key_id, count, request_id, client_address, detail";

    /// <summary>The entry in the reader's current row, with <paramref name="at"/> as the store decoded column 1.</summary>
    public static AuditEntry Read(DbDataReader reader, DateTimeOffset at) => new()
    {
        Sequence = reader.GetInt64(0),
        At = at,
        Action = AuditActionNames.Parse(reader.GetString(2)),
        Actor = reader.GetString(3),
        Subject = reader.GetString(4),
        KeyId = reader.IsDBNull(5) ? null : reader.GetString(5),
        ReplacedKeyId = reader.IsDBNull(6) ? null : reader.GetString(6),
        Count = reader.IsDBNull(7) ? null : reader.GetInt32(7),
        RequestId = reader.IsDBNull(8) ? null : reader.GetString(8),
        ClientAddress = reader.IsDBNull(9) ? null : reader.GetString(9),
        Detail = reader.IsDBNull(10) ? null : reader.GetString(10),
    };
}
