namespace Maas.Tiers;

/// <summary>Maps a user's groups to the tier that applies to them.</summary>
public interface ITierResolver
{
    /// <summary>Gets the configured tiers, in configuration order.</summary>
    IReadOnlyList<Tier> Tiers { get; }

    /// <summary>
    /// Returns the matching tier of highest level (ties go to configuration order),
    /// or <see langword="null"/> when no tier lists any of the groups.
    /// </summary>
    Tier? Resolve(IReadOnlyList<string> groups);
}
