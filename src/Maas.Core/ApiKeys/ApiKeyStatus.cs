namespace Maas.ApiKeys;

/// <summary>The state of an API key at a given instant.</summary>
public enum ApiKeyStatus
{
    /// <summary>The key authenticates its owner.</summary>
    Active,

    /// <summary>The key has passed its expiration instant.</summary>
    Expired,

    /// <summary>The key was revoked, alone or with everything its owner held.</summary>
    Revoked,
}
