using Maas.Durations;

namespace Maas.Tiers;

/// <summary>The three tiers of the original deployment, used when configuration names none.</summary>
public static class DefaultTiers
{
    /// <summary>Creates fresh copies of the free, premium and enterprise tiers.</summary>
    public static IReadOnlyList<Tier> Create() =>
    [
        new Tier
        {
            Name = "free",
            DisplayName = "Free Tier",
            Description = "Free tier for basic users",
            Level = 0,
            Groups = ["tier-free-users", "system:authenticated"],
            Limits = new TierLimits { Requests = 5, Window = GoDuration.FromMinutes(2), TokensPerMinute = 100 },
        },
        new Tier
        {
            Name = "premium",
            DisplayName = "Premium Tier",
            Description = "Premium tier",
            Level = 1,
            Groups = ["tier-premium-users", "premium-group"],
            Limits = new TierLimits { Requests = 20, Window = GoDuration.FromMinutes(2), TokensPerMinute = 50_000 },
        },
        new Tier
        {
            Name = "enterprise",
            DisplayName = "Enterprise Tier",
            Description = "Enterprise tier",
            Level = 2,
            Groups = ["tier-enterprise-users", "enterprise-group", "admin-group"],
            Limits = new TierLimits { Requests = 50, Window = GoDuration.FromMinutes(2), TokensPerMinute = 100_000 },
        },
    ];
}
