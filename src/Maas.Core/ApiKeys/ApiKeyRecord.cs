namespace Maas.ApiKeys;

/// <summary>
/// What a store keeps about an API key: its metadata and the SHA-256 hash of its secret,
/// never the key itself.
/// </summary>
public sealed record ApiKeyRecord
{
    /// <summary>Gets the key id: the public part of the key, unique across owners.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the name of the user who owns the key.</summary>
    public required string Owner { get; init; }

    /// <summary>Gets the owner's groups when the key was created; the tier is resolved from them.</summary>
    public required IReadOnlyList<string> OwnerGroups { get; init; }

    /// <summary>Gets the name the owner gave the key.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the optional description.</summary>
    public string? Description { get; init; }

    /// <summary>Gets SHA-256(keyId, 0x00, secret): 32 bytes.</summary>
    public required byte[] Hash { get; init; }

    /// <summary>Gets when the key was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the key expires.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Gets when the key was revoked, or <see langword="null"/> while it is not.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>Gets when the key was last used to authenticate, as far as recorded.</summary>
    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>Gets the labels the owner gave the key at creation (at most 50); empty when none. Searchable.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = ApiKeyLabels.None;

    /// <summary>Gets the id of the key this one replaced by rotation, or <see langword="null"/>.</summary>
    public string? RotatedFrom { get; init; }

    /// <summary>Gets the id of the key that replaced this one by rotation, or <see langword="null"/> while it was not rotated.</summary>
    public string? ReplacedBy { get; init; }

    /// <summary>
    /// Gets whether the key is ephemeral (the later Go service's short-lived key): its lifetime is
    /// bounded by <c>Maas:Tokens:Maximum</c>, it is left out of listings and of searches that do not
    /// ask for it, and it is deleted some time after it expires.
    /// </summary>
    public bool Ephemeral { get; init; }

    /// <summary>
    /// Gets the key's own limits and budgets, counted per key beside its owner's tier (the tighter
    /// applies), or <see langword="null"/> for none: then only the tier's apply.
    /// </summary>
    public ApiKeyLimits? Limits { get; init; }

    /// <summary>
    /// Gets the subscription the owner chose for the key (the later Go service's name): a tier they
    /// were entitled to at creation, whose limits the key draws on instead of the owner's highest;
    /// <see langword="null"/> for none (the owner's tier, as resolved from their groups, applies).
    /// </summary>
    public string? Subscription { get; init; }

    /// <summary>
    /// Computes the status at <paramref name="now"/>: revoked wins over expired, and a key is
    /// expired from the instant of <see cref="ExpiresAt"/> on.
    /// </summary>
    public ApiKeyStatus StatusAt(DateTimeOffset now) =>
        RevokedAt is not null ? ApiKeyStatus.Revoked
        : now >= ExpiresAt ? ApiKeyStatus.Expired
        : ApiKeyStatus.Active;
}
