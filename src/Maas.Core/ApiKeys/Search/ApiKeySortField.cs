namespace Maas.ApiKeys;

/// <summary>What a key search is ordered by; ties are always broken by key id in the same direction.</summary>
public enum ApiKeySortField
{
    /// <summary>The creation instant (<c>created_at</c>), the default.</summary>
    CreatedAt,

    /// <summary>The expiry instant (<c>expires_at</c>).</summary>
    ExpiresAt,

    /// <summary>The last recorded use (<c>last_used_at</c>); keys never used come last in either direction.</summary>
    LastUsedAt,

    /// <summary>The key's name (<c>name</c>), compared by code point (UTF-8 byte order) in every store.</summary>
    Name,
}
