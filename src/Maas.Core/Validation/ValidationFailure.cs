namespace Maas.Validation;

/// <summary>Why a presented credential was not accepted.</summary>
public enum ValidationFailure
{
    /// <summary>The credential was accepted.</summary>
    None,

    /// <summary>It is a well-formed API key this service does not know.</summary>
    Unknown,

    /// <summary>It is not a token or key this service could have issued (bad shape, checksum, encoding or claims).</summary>
    Malformed,

    /// <summary>It is a token whose ES256 signature does not verify with the key its header names.</summary>
    BadSignature,

    /// <summary>It has expired.</summary>
    Expired,

    /// <summary>It was revoked, alone or with everything its owner held.</summary>
    Revoked,

    /// <summary>It is valid but its owner's groups match no tier any more.</summary>
    NoTier,

    /// <summary>It is a token whose <c>iss</c> is not this service's issuer.</summary>
    WrongIssuer,

    /// <summary>It is a token whose <c>aud</c> does not name this service's audience.</summary>
    WrongAudience,

    /// <summary>It is a token whose <c>nbf</c> is still in the future.</summary>
    NotYetValid,

    /// <summary>It is a token whose header names no key (<c>kid</c>) this service verifies with, or one retired too long ago.</summary>
    UnknownSigningKey,

    /// <summary>It is a token whose header asks for another algorithm than ES256 (for example <c>none</c> or HS256).</summary>
    UnsupportedAlgorithm,

    /// <summary>
    /// It is an API key bound to a subscription (<see cref="CredentialValidation.Subscription"/>) whose
    /// tier no longer exists or that its owner's groups no longer entitle them to.
    /// </summary>
    NotEntitled,
}
