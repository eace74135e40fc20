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
}
