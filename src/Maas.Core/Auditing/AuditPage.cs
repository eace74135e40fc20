namespace Maas.Auditing;

/// <summary>One page of the audit trail, newest first.</summary>
public sealed record AuditPage
{
    /// <summary>Gets the entries of the page.</summary>
    public required IReadOnlyList<AuditEntry> Entries { get; init; }

    /// <summary>Gets where to continue when more entries match, or <see langword="null"/> on the last page.</summary>
    public AuditPosition? Next { get; init; }
}
