namespace Maas.Auditing;

/// <summary>
/// The append-only audit trail of key management, kept by the key store's package (the same
/// database, so a creation or a rotation commits with its entry). There is no way to change or remove an
/// entry. Every implementation passes the same conformance suite.
/// </summary>
public interface IAuditLog
{
    /// <summary>Appends <paramref name="entry"/>; its <see cref="AuditEntry.Sequence"/> is assigned by the store.</summary>
    ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads one page of the entries matching <paramref name="query"/>, newest first (instant, then
    /// sequence, descending). Throws <see cref="ArgumentOutOfRangeException"/> for a limit outside 1 to <see cref="AuditQuery.MaxLimit"/>.
    /// </summary>
    ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);
}
