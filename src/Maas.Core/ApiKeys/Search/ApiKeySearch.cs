namespace Maas.ApiKeys;

/// <summary>
/// A query every <see cref="IKeyStore"/> answers alike: the keys of <see cref="Owner"/> (or of
/// everyone), with any of <see cref="Statuses"/> at <see cref="Now"/>, carrying every one of
/// <see cref="Labels"/>, ordered by <see cref="SortBy"/> then id (names compare by UTF-8 bytes,
/// that is by code point), skipping <see cref="Offset"/> keys or starting after <see cref="After"/>.
/// </summary>
public sealed record ApiKeySearch
{
    /// <summary>Gets the owner whose keys are searched, or <see langword="null"/> for every owner's.</summary>
    public string? Owner { get; init; }

    /// <summary>Gets the statuses a key may have to be found; empty means any.</summary>
    public IReadOnlyCollection<ApiKeyStatus> Statuses { get; init; } = [];

    /// <summary>Gets the labels a key must all carry, with these exact values; empty means no condition.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = ApiKeyLabels.None;

    /// <summary>Gets the order.</summary>
    public ApiKeySortField SortBy { get; init; }

    /// <summary>Gets whether the order is descending (ties by id descending too).</summary>
    public bool Descending { get; init; } = true;

    /// <summary>Gets the instant statuses are computed at.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>Gets the most keys to return, 1 to 100.</summary>
    public int Limit { get; init; } = 50;

    /// <summary>Gets how many matching keys to skip (offset pagination).</summary>
    public int Offset { get; init; }

    /// <summary>Gets where to start (keyset pagination), or <see langword="null"/> for the first page.</summary>
    public ApiKeySearchPosition? After { get; init; }

    /// <summary>Gets whether ephemeral keys are found too; by default they are left out.</summary>
    public bool IncludeEphemeral { get; init; }

    /// <summary>Gets the subscription a key must be bound to (<see cref="ApiKeyRecord.Subscription"/>, exactly), or <see langword="null"/> for no condition.</summary>
    public string? Subscription { get; init; }
}
