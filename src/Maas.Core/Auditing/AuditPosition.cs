namespace Maas.Auditing;

/// <summary>
/// Where a page of the audit trail ended: the instant and sequence of its last entry. The trail is
/// read newest first, ordered by (<see cref="At"/>, <see cref="Sequence"/>) descending, so the next
/// page starts strictly after this pair, whatever was appended meanwhile.
/// </summary>
/// <param name="At">The instant of the last entry returned.</param>
/// <param name="Sequence">The sequence of the last entry returned.</param>
public readonly record struct AuditPosition(DateTimeOffset At, long Sequence)
{
    /// <summary>Tells whether <paramref name="entry"/> comes after this position in newest-first order.</summary>
    public bool Precedes(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.At < At || (entry.At == At && entry.Sequence < Sequence);
    }
}
