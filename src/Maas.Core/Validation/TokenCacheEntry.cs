namespace Maas.Validation;

/// <summary>A token whose signature, issuer and audience verified.</summary>
internal sealed class TokenCacheEntry(
    string subject, DateTimeOffset notBefore, DateTimeOffset expiresAt, DateTimeOffset issuedInstant, long ownerVersion, CredentialValidation accepted)
{
    public string Subject { get; } = subject;

    public DateTimeOffset NotBefore { get; } = notBefore;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    public DateTimeOffset IssuedInstant { get; } = issuedInstant;

    public long OwnerVersion { get; } = ownerVersion;

    /// <summary>Gets the answer while within its lifetime and not revoked: valid, or refused for no tier.</summary>
    public CredentialValidation Accepted { get; } = accepted;
}
