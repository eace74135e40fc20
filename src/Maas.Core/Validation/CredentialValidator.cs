using System.Security.Cryptography;
using Maas.ApiKeys;
using Maas.Tiers;
using Maas.Tokens;
using Maas.Users;

namespace Maas.Validation;

/// <summary>
/// Answers "who is this, which tier, still valid?" for a presented token or key. An API key
/// costs a checksum, one SHA-256 and one hash lookup; a token costs a signature verification
/// and one revoked-before lookup.
/// </summary>
internal sealed class CredentialValidator(
    JwtTokenReader tokens,
    IKeyStore store,
    ITierResolver tiers,
    TimeProvider time)
{
    public ValueTask<CredentialValidation> ValidateAsync(string credential, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credential);
        if (credential.StartsWith(ApiKeyFormat.Prefix, StringComparison.Ordinal))
        {
            return ValidateKeyAsync(credential, cancellationToken);
        }

        return ValidateTokenAsync(credential, cancellationToken);
    }

    private async ValueTask<CredentialValidation> ValidateKeyAsync(string credential, CancellationToken cancellationToken)
    {
        var hash = new byte[ApiKeyFormat.HashLength];
        if (!ApiKeyFormat.TryParse(credential, out var keyId, hash, out var failure))
        {
            return CredentialValidation.Refused(failure, CredentialKind.ApiKey);
        }

        var record = await store.FindByHashAsync(hash, cancellationToken).ConfigureAwait(false);
        if (record is null
            || !string.Equals(record.Id, keyId, StringComparison.Ordinal)
            || !CryptographicOperations.FixedTimeEquals(record.Hash, hash))
        {
            return CredentialValidation.Refused(ValidationFailure.Unknown, CredentialKind.ApiKey);
        }

        var now = time.GetUtcNow();
        switch (record.StatusAt(now))
        {
            case ApiKeyStatus.Revoked:
                return CredentialValidation.Refused(ValidationFailure.Revoked, CredentialKind.ApiKey);
            case ApiKeyStatus.Expired:
                return CredentialValidation.Refused(ValidationFailure.Expired, CredentialKind.ApiKey);
        }

        // A key created while a revoke-all was in flight may have escaped the marking: the
        // owner's revoked-before instant is the authority.
        var revokedBefore = await store.GetRevokedBeforeAsync(record.Owner, cancellationToken).ConfigureAwait(false);
        if (revokedBefore is { } before && record.CreatedAt < before)
        {
            return CredentialValidation.Refused(ValidationFailure.Revoked, CredentialKind.ApiKey);
        }

        return Accept(CredentialKind.ApiKey, record.Owner, record.OwnerGroups, record.Id, record.CreatedAt, record.ExpiresAt);
    }

    private async ValueTask<CredentialValidation> ValidateTokenAsync(string credential, CancellationToken cancellationToken)
    {
        if (!tokens.TryRead(credential, out var claims, out var failure))
        {
            return CredentialValidation.Refused(failure, failure == ValidationFailure.Malformed ? CredentialKind.Unknown : CredentialKind.Token);
        }

        var revokedBefore = await store.GetRevokedBeforeAsync(claims.Subject, cancellationToken).ConfigureAwait(false);
        if (revokedBefore is { } before && claims.IssuedInstant < before)
        {
            return CredentialValidation.Refused(ValidationFailure.Revoked, CredentialKind.Token);
        }

        return Accept(CredentialKind.Token, claims.Subject, claims.Groups, claims.Id, claims.IssuedInstant, claims.ExpiresAt);
    }

    private CredentialValidation Accept(
        CredentialKind kind, string owner, IReadOnlyList<string> groups, string id, DateTimeOffset issuedAt, DateTimeOffset expiresAt)
    {
        var tier = tiers.Resolve(groups);
        if (tier is null)
        {
            return CredentialValidation.Refused(ValidationFailure.NoTier, kind);
        }

        return new CredentialValidation
        {
            Failure = ValidationFailure.None,
            Kind = kind,
            User = new MaasUser(owner, groups),
            Tier = tier,
            Id = id,
            IssuedAt = issuedAt,
            ExpiresAt = expiresAt,
        };
    }
}
