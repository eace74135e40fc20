using Maas.Auditing;

namespace Maas.ApiKeys;

/// <summary>
/// One rotation for <see cref="IKeyStore.RotateAsync"/>: replace the owner's key
/// <see cref="KeyId"/> by <see cref="Replacement"/>, the old key expiring at
/// <see cref="GraceEndsAt"/> (or earlier, if it already did), recorded by <see cref="Audit"/>.
/// </summary>
public sealed record KeyRotation
{
    /// <summary>Gets the owner of both keys.</summary>
    public required string Owner { get; init; }

    /// <summary>Gets the id of the key being replaced.</summary>
    public required string KeyId { get; init; }

    /// <summary>Gets the new key, with <see cref="ApiKeyRecord.RotatedFrom"/> set to <see cref="KeyId"/>.</summary>
    public required ApiKeyRecord Replacement { get; init; }

    /// <summary>Gets when the old key stops working: its expiry becomes the earlier of its own and this.</summary>
    public required DateTimeOffset GraceEndsAt { get; init; }

    /// <summary>Gets the instant of the rotation: a key expired by then cannot be rotated.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Gets the audit entry stored with the rotation, in the same transaction.</summary>
    public required AuditEntry Audit { get; init; }

    /// <summary>
    /// Why the stored key <paramref name="current"/> cannot be rotated at <see cref="At"/>, or
    /// <see langword="null"/> when it can. Every store applies this one rule, in this order:
    /// revoked, then already replaced, then expired.
    /// </summary>
    public KeyRotationOutcome? RefusalFor(ApiKeyRecord current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return current.RevokedAt is not null ? KeyRotationOutcome.Revoked
            : current.ReplacedBy is not null ? KeyRotationOutcome.AlreadyReplaced
            : At >= current.ExpiresAt ? KeyRotationOutcome.Expired
            : null;
    }

    /// <summary>Returns <paramref name="current"/> as it stands after this rotation: expiring at the grace end (or earlier) and replaced.</summary>
    public ApiKeyRecord Apply(ApiKeyRecord current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return current with { ExpiresAt = GraceEndsAt < current.ExpiresAt ? GraceEndsAt : current.ExpiresAt, ReplacedBy = Replacement.Id };
    }
}
