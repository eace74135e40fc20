namespace Maas.Validation;

/// <summary>A key the store knows: what decides its status, and the answer when it is active.</summary>
internal sealed class KnownApiKey(
    string id, string owner, DateTimeOffset createdAt, DateTimeOffset expiresAt, DateTimeOffset? revokedAt, long ownerVersion, CredentialValidation accepted)
{
    public string Id { get; } = id;

    public string Owner { get; } = owner;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    public DateTimeOffset? RevokedAt { get; } = revokedAt;

    public long OwnerVersion { get; } = ownerVersion;

    /// <summary>Gets the answer while active: valid, or refused for no tier or a subscription no longer entitled.</summary>
    public CredentialValidation Accepted { get; } = accepted;
}
