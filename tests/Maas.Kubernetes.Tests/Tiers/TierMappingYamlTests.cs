using Maas.Kubernetes.Tiers;
using Maas.Tiers;

namespace Maas.Kubernetes.Tests.Tiers;

public sealed class TierMappingYamlTests
{
    private static readonly MaasKubernetesOptions Options = new() { InstanceName = "maas-api" };

    private const string Original = """
        - name: free
          description: Free tier for basic users
          level: 1
          groups:
          - system:authenticated
        - name: premium
          description: Premium tier
          level: 10
          groups:
          - premium-users
        - name: enterprise
          displayName: Enterprise
          description: Enterprise tier
          level: 20
          groups:
          - enterprise-users
        """;

    [Fact]
    public void The_original_deployments_mapping_reads_with_the_implicit_service_account_group_per_tier()
    {
        var tiers = TierMappingYaml.Parse(Original, Options, []);

        Assert.Equal(["free", "premium", "enterprise"], tiers.Select(t => t.Name));
        Assert.Equal([1, 10, 20], tiers.Select(t => t.Level));
        Assert.Equal("Free tier for basic users", tiers[0].Description);
        Assert.Equal("Enterprise", tiers[2].DisplayName);
        Assert.Equal(["premium-users", "system:serviceaccounts:maas-api-tier-premium"], tiers[1].Groups);
    }

    [Fact]
    public void A_tier_takes_the_limits_of_the_configured_tier_of_the_same_name()
    {
        var configured = new Tier { Name = "premium", Limits = new TierLimits { Requests = 20, TokensPerMinute = 50_000 } };

        var tiers = TierMappingYaml.Parse(Original, Options, [configured]);

        Assert.Same(configured.Limits, tiers[1].Limits);
        Assert.Equal(0, tiers[0].Limits.Requests);
    }

    [Fact]
    public void Unknown_fields_are_ignored()
    {
        var tiers = TierMappingYaml.Parse("- name: free\n  color: green\n  groups: [a]\n  extra: {x: 1}\n", Options, []);
        Assert.Equal("free", Assert.Single(tiers).Name);
    }

    [Theory]
    [InlineData("", "missing or empty")]
    [InlineData("[]", "empty")]
    [InlineData("- name: free\n  groups: [a\n", "malformed at line")]
    [InlineData("tiers:\n  - name: free\n", "malformed")]
    [InlineData("- level: 3\n", "tier #1 has no name")]
    [InlineData("- name: free\n- name: free\n", "'free' is listed twice")]
    [InlineData("- name: Free_Tier\n", "cannot name a namespace")]
    [InlineData("- name: free\n  level: high\n", "malformed")]
    [InlineData("- name: free\n- ~\n", "tier #2 is empty")]
    public void A_broken_mapping_is_refused_naming_what_is_wrong(string yaml, string expected)
    {
        var error = Assert.Throws<FormatException>(() => TierMappingYaml.Parse(yaml, Options, []));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
