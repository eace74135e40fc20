using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace Maas.Tiers;

/// <summary>
/// Resolves tiers from a precomputed group index: for each group, the best tier that lists it
/// (highest level, then configuration order), so resolution costs one lookup per group.
/// </summary>
internal sealed class TierResolver : ITierResolver
{
    private readonly FrozenDictionary<string, (Tier Tier, long Rank)> _bestByGroup;

    public TierResolver(IOptions<MaasOptions> options)
        : this(options.Value.Tiers.ToArray())
    {
    }

    internal TierResolver(IReadOnlyList<Tier> tiers)
    {
        Tiers = tiers;
        var best = new Dictionary<string, (Tier Tier, long Rank)>(StringComparer.Ordinal);
        for (var order = 0; order < tiers.Count; order++)
        {
            var tier = tiers[order];
            var rank = Rank(tier, order, tiers.Count);
            foreach (var group in tier.Groups)
            {
                if (!best.TryGetValue(group, out var current) || rank > current.Rank)
                {
                    best[group] = (tier, rank);
                }
            }
        }

        _bestByGroup = best.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IReadOnlyList<Tier> Tiers { get; }

    public Tier? Resolve(IReadOnlyList<string> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        Tier? winner = null;
        var winnerRank = long.MinValue;
        for (var i = 0; i < groups.Count; i++)
        {
            if (_bestByGroup.TryGetValue(groups[i], out var candidate) && candidate.Rank > winnerRank)
            {
                winner = candidate.Tier;
                winnerRank = candidate.Rank;
            }
        }

        return winner;
    }

    // Higher level wins; among equal levels the tier configured first wins.
    private static long Rank(Tier tier, int order, int count) =>
        ((long)tier.Level * (count + 1)) + (count - order);
}
