namespace Maas.Usage;

/// <summary>What a usage report sums separately within each period.</summary>
public enum UsageGrouping
{
    /// <summary>Each model.</summary>
    Model,

    /// <summary>Each credential: an API key's id, or <see cref="UsageIncrement.TokenCredential"/> for every token.</summary>
    Key,

    /// <summary>Each value of one label of the keys (<see cref="UsageQuery.Label"/>); calls without it form one group, <see langword="null"/>.</summary>
    Label,
}
