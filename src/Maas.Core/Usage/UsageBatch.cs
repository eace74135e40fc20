namespace Maas.Usage;

/// <summary>
/// Increments written together (one flush of one replica): applied in one transaction, once per
/// <see cref="Id"/>. Two increments of a batch never share an hour, user, credential, tier, model and outcome.
/// </summary>
public sealed class UsageBatch
{
    /// <summary>The most increments one batch may carry.</summary>
    public const int MaxIncrements = 10_000;

    /// <summary>Gets the batch's identity, new for each batch and kept when the same batch is sent again.</summary>
    public required Guid Id { get; init; }

    /// <summary>Gets the increments, 1 to <see cref="MaxIncrements"/>.</summary>
    public required IReadOnlyList<UsageIncrement> Increments { get; init; }
}
