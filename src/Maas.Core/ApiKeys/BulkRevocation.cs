namespace Maas.ApiKeys;

/// <summary>What a bulk revoke did, or (<see cref="DryRun"/>) would do: how many of the user's active keys it revokes.</summary>
/// <param name="Username">Whose keys; empty for every owner's keys of a subscription.</param>
/// <param name="RevokedCount">How many active keys were (or would be) revoked.</param>
/// <param name="DryRun">Whether nothing was changed.</param>
public sealed record BulkRevocation(string Username, int RevokedCount, bool DryRun)
{
    /// <summary>Gets the subscription whose keys were (or would be) revoked, or <see langword="null"/> for a revoke by user alone.</summary>
    public string? Subscription { get; init; }
}
