namespace Maas.Tiers;

/// <summary>
/// A service level: who belongs to it (by group), how it ranks against others, and its limits.
/// Mutable so that it binds from configuration; treat it as read-only once options are built.
/// </summary>
public sealed class Tier
{
    /// <summary>Gets or sets the unique name, for example <c>free</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the human-readable name shown to users.</summary>
    public string? DisplayName { get; set; }

    /// <summary>Gets or sets a description of the tier.</summary>
    public string? Description { get; set; }

    /// <summary>Gets or sets the rank: when a user matches several tiers, the highest level wins.</summary>
    public int Level { get; set; }

    /// <summary>Gets the groups whose members belong to this tier.</summary>
    public IList<string> Groups { get; init; } = [];

    /// <summary>Gets or sets the request and token limits of the tier.</summary>
    public TierLimits Limits { get; set; } = new();
}
