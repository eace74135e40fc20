namespace Maas.Auditing;

/// <summary>Which audit entries to read: every filter given must match; newest first, at most <see cref="Limit"/>.</summary>
public sealed record AuditQuery
{
    /// <summary>The most entries one page may hold.</summary>
    public const int MaxLimit = 100;

    /// <summary>The page size when none is asked for.</summary>
    public const int DefaultLimit = 50;

    /// <summary>Gets the actor to match exactly, or <see langword="null"/> for any.</summary>
    public string? Actor { get; init; }

    /// <summary>Gets the subject (key owner) to match exactly, or <see langword="null"/> for any.</summary>
    public string? Subject { get; init; }

    /// <summary>Gets the key id to match (the entry's key or the key a rotation replaced), or <see langword="null"/> for any.</summary>
    public string? KeyId { get; init; }

    /// <summary>Gets the action to match, or <see langword="null"/> for any.</summary>
    public AuditAction? Action { get; init; }

    /// <summary>Gets the earliest instant, inclusive, or <see langword="null"/>.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Gets the latest instant, exclusive, or <see langword="null"/>.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Gets where the previous page ended, or <see langword="null"/> for the first page.</summary>
    public AuditPosition? After { get; init; }

    /// <summary>Gets the page size, 1 to <see cref="MaxLimit"/>.</summary>
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>Tells whether <paramref name="entry"/> matches every filter and lies after <see cref="After"/>.</summary>
    public bool Matches(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return (Actor is null || string.Equals(entry.Actor, Actor, StringComparison.Ordinal))
            && (Subject is null || string.Equals(entry.Subject, Subject, StringComparison.Ordinal))
            && (KeyId is null || string.Equals(entry.KeyId, KeyId, StringComparison.Ordinal) || string.Equals(entry.ReplacedKeyId, KeyId, StringComparison.Ordinal))
            && (Action is null || entry.Action == Action)
            && (Since is null || entry.At >= Since)
            && (Until is null || entry.At < Until)
            && (After is not { } after || after.Precedes(entry));
    }
}
