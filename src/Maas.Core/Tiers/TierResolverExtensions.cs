using Maas.Errors;
using Maas.Users;

namespace Maas.Tiers;

/// <summary>The tier of a signed-in user, as every Maas service asks for it.</summary>
public static class TierResolverExtensions
{
    /// <summary>Returns the user's tier, or throws <see cref="NoTierException"/> when none applies.</summary>
    /// <param name="tiers">The tier resolver.</param>
    /// <param name="user">The user whose groups decide the tier.</param>
    /// <returns>The tier of highest level among the user's groups.</returns>
    public static Tier GetTier(this ITierResolver tiers, MaasUser user)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        ArgumentNullException.ThrowIfNull(user);
        return tiers.Resolve(user.Groups) ?? throw new NoTierException(user.Name);
    }

    /// <summary>
    /// Returns the tier named <paramref name="subscription"/> (exactly, ordinal) when
    /// <paramref name="groups"/> entitle their holder to it, that is when one of them is among the
    /// tier's groups; <see langword="null"/> when no tier has that name or none of the groups is its.
    /// What an API key bound to a subscription draws on, checked when it is created and whenever it is validated.
    /// </summary>
    /// <param name="tiers">The tier resolver.</param>
    /// <param name="subscription">The tier's name, as the key's <c>subscription</c>.</param>
    /// <param name="groups">The groups of the key's owner.</param>
    /// <returns>The tier, or <see langword="null"/>.</returns>
    public static Tier? ResolveSubscription(this ITierResolver tiers, string subscription, IReadOnlyList<string> groups)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(groups);
        var all = tiers.Tiers;
        for (var i = 0; i < all.Count; i++)
        {
            var tier = all[i];
            if (string.Equals(tier.Name, subscription, StringComparison.Ordinal))
            {
                return IsMember(tier, groups) ? tier : null;
            }
        }

        return null;
    }

    private static bool IsMember(Tier tier, IReadOnlyList<string> groups)
    {
        var tierGroups = tier.Groups;
        for (var i = 0; i < groups.Count; i++)
        {
            for (var j = 0; j < tierGroups.Count; j++)
            {
                if (string.Equals(groups[i], tierGroups[j], StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
