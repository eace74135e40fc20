using System.Collections.Frozen;
using BenchmarkDotNet.Attributes;
using Maas.Tiers;
using Maas.Storage.InMemory;

namespace Maas.Benchmarks;

/// <summary>
/// Resolving a user's tier from their groups with the default tiers. The floor is one probe of a
/// frozen dictionary keyed by group name.
/// </summary>
[MemoryDiagnoser]
public class TierResolutionBenchmarks
{
    private static readonly string[] TwoGroups = ["system:authenticated", "premium-group"];
    private static readonly string[] TenGroupsLastMatches =
        ["team-a", "team-b", "team-c", "team-d", "team-e", "team-f", "team-g", "team-h", "team-i", "enterprise-group"];

    private static readonly string[] NoMatch = ["team-a", "team-b"];
    private MaasSubjects _maas = null!;
    private FrozenDictionary<string, Tier> _byGroup = null!;

    [GlobalSetup]
    public void Setup()
    {
        _maas = new MaasSubjects(InMemoryStorage.CreateKeyStore());
        _byGroup = _maas.Options.Value.Tiers
            .SelectMany(t => t.Groups, (tier, group) => (tier, group))
            .DistinctBy(p => p.group)
            .ToFrozenDictionary(p => p.group, p => p.tier, StringComparer.Ordinal);
    }

    [GlobalCleanup]
    public void Cleanup() => _maas.Dispose();

    /// <summary>The floor: one frozen-dictionary probe.</summary>
    [Benchmark(Baseline = true)]
    public Tier? FrozenDictionaryLookup() => _byGroup.GetValueOrDefault("premium-group");

    /// <summary>A typical user: two groups.</summary>
    [Benchmark]
    public Tier? Resolve_TwoGroups() => _maas.Tiers.Resolve(TwoGroups);

    /// <summary>Ten groups, the best tier last.</summary>
    [Benchmark]
    public Tier? Resolve_TenGroups() => _maas.Tiers.Resolve(TenGroupsLastMatches);

    /// <summary>No tier lists any of the groups.</summary>
    [Benchmark]
    public Tier? Resolve_NoMatch() => _maas.Tiers.Resolve(NoMatch);
}
