using Maas.Tiers;

namespace Maas.Core.Tests.Tiers;

public sealed class TierResolverTests
{
    private static readonly TierResolver Defaults = new(DefaultTiers.Create());

    [Theory]
    [InlineData(new[] { "system:authenticated" }, "free")]
    [InlineData(new[] { "tier-free-users" }, "free")]
    [InlineData(new[] { "system:authenticated", "premium-group" }, "premium")]
    [InlineData(new[] { "premium-group", "admin-group", "system:authenticated" }, "enterprise")]
    [InlineData(new[] { "tier-enterprise-users", "tier-free-users" }, "enterprise")]
    public void Highest_level_tier_among_the_users_groups_wins(string[] groups, string expected)
    {
        Assert.Equal(expected, Defaults.Resolve(groups)?.Name);
    }

    [Fact]
    public void No_matching_group_resolves_to_no_tier()
    {
        Assert.Null(Defaults.Resolve(["strangers", "System:Authenticated"]));
        Assert.Null(Defaults.Resolve([]));
    }

    [Fact]
    public void Equal_levels_go_to_the_tier_configured_first()
    {
        var resolver = new TierResolver(
        [
            new Tier { Name = "alpha", Level = 1, Groups = ["shared", "only-alpha"] },
            new Tier { Name = "beta", Level = 1, Groups = ["shared", "only-beta"] },
            new Tier { Name = "low", Level = -5, Groups = ["shared"] },
        ]);
        Assert.Equal("alpha", resolver.Resolve(["shared"])?.Name);
        Assert.Equal("alpha", resolver.Resolve(["only-beta", "only-alpha"])?.Name);
        Assert.Equal("beta", resolver.Resolve(["only-beta"])?.Name);
    }

    [Fact]
    public void Default_tiers_match_the_original_deployment()
    {
        var tiers = DefaultTiers.Create();
        Assert.Equal(["free", "premium", "enterprise"], tiers.Select(t => t.Name));
        Assert.Equal([0, 1, 2], tiers.Select(t => t.Level));
        Assert.Equal([5, 20, 50], tiers.Select(t => t.Limits.Requests));
        Assert.Equal([100L, 50_000L, 100_000L], tiers.Select(t => t.Limits.TokensPerMinute));
        Assert.All(tiers, t => Assert.Equal("2m0s", t.Limits.Window.ToString()));
        Assert.Equal(["tier-enterprise-users", "enterprise-group", "admin-group"], tiers[2].Groups);
    }
}
