namespace Maas.ApiKeys;

/// <summary>
/// Where a keyset page starts: after the key with this <see cref="Id"/> and sort value. Exactly
/// one of <see cref="Instant"/> (an instant sort; <see langword="null"/> for a never-used key in a
/// <c>last_used_at</c> sort) and <see cref="Name"/> (a name sort) describes the value.
/// </summary>
/// <param name="Id">The id of the last key of the previous page.</param>
/// <param name="Instant">Its sort instant, for the instant sorts.</param>
/// <param name="Name">Its name, for the name sort.</param>
public sealed record ApiKeySearchPosition(string Id, DateTimeOffset? Instant, string? Name);
