namespace Maas.Validation;

/// <summary>An owner's revoked-before instant as the store last told it, and the version cached credentials must match.</summary>
internal sealed class OwnerState(DateTimeOffset? revokedBefore, long version)
{
    public DateTimeOffset? RevokedBefore { get; } = revokedBefore;

    public long Version { get; } = version;
}
