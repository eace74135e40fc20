using Maas.ApiKeys;

namespace Maas;

/// <summary>The lifetimes of API keys and how they rotate (<c>Maas:ApiKeys</c>).</summary>
public sealed class ApiKeyPolicy : LifetimePolicy
{
    /// <summary>Gets how long a rotated key keeps working (<c>Maas:ApiKeys:Rotation</c>).</summary>
    public KeyRotationOptions Rotation { get; init; } = new();
}
