namespace Maas.ApiKeys;

/// <summary>A record that a key authenticated a request at a given instant.</summary>
/// <param name="Id">The key id.</param>
/// <param name="UsedAt">When the key was last seen.</param>
public readonly record struct KeyUsage(string Id, DateTimeOffset UsedAt);
