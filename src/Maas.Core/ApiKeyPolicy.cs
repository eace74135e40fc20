using Maas.ApiKeys;

namespace Maas;

/// <summary>The lifetimes of API keys and how they rotate (<c>Maas:ApiKeys</c>).</summary>
public sealed class ApiKeyPolicy : LifetimePolicy
{
    /// <summary>
    /// Gets or sets what new keys start with (<c>Maas:ApiKeys:Prefix</c>): <c>sk-maas-</c> (the default) or
    /// <c>sk-oai-</c>, the later Go service's, for an operator migrating from it. Keys of either prefix
    /// this deployment issued keep validating whatever the setting.
    /// </summary>
    public string Prefix { get; set; } = ApiKeyFormat.Prefix;

    /// <summary>Gets how long a rotated key keeps working (<c>Maas:ApiKeys:Rotation</c>).</summary>
    public KeyRotationOptions Rotation { get; init; } = new();

    /// <summary>Gets how expired ephemeral keys are swept (<c>Maas:ApiKeys:Ephemeral</c>).</summary>
    public EphemeralKeyOptions Ephemeral { get; init; } = new();
}
