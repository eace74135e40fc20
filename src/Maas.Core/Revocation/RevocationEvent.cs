namespace Maas.Revocation;

/// <summary>
/// Something was revoked: one key (<see cref="KeyId"/> set), or everything an owner held
/// before <see cref="RevokedBefore"/>. A <see cref="Resynchronize"/> event means "forget
/// everything cached", sent when a replica may have missed events.
/// </summary>
public sealed record RevocationEvent
{
    /// <summary>Gets the owner whose credentials were revoked; empty for a resynchronization.</summary>
    public required string Owner { get; init; }

    /// <summary>Gets the revoked key id, when a single key was revoked.</summary>
    public string? KeyId { get; init; }

    /// <summary>Gets the instant before which the owner's credentials are revoked, for a revoke-all.</summary>
    public DateTimeOffset? RevokedBefore { get; init; }

    /// <summary>Gets whether caches must drop everything (events may have been missed).</summary>
    public bool Resynchronize { get; init; }
}
