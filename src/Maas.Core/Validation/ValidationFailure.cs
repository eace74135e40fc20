namespace Maas.Validation;

/// <summary>Why a presented credential was not accepted.</summary>
public enum ValidationFailure
{
    /// <summary>The credential was accepted.</summary>
    None,

    /// <summary>It is well formed but not known here.</summary>
    Unknown,

    /// <summary>It is not a token or key this service could have issued (bad shape or checksum).</summary>
    Malformed,

    /// <summary>It is a token whose signature does not verify, or whose issuer or audience is not ours.</summary>
    BadSignature,

    /// <summary>It has expired (or is not valid yet).</summary>
    Expired,

    /// <summary>It was revoked, alone or with everything its owner held.</summary>
    Revoked,

    /// <summary>It is valid but its owner's groups match no tier any more.</summary>
    NoTier,
}
