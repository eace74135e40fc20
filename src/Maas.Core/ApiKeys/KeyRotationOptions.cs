using Maas.Durations;

namespace Maas.ApiKeys;

/// <summary>How long a rotated key keeps working beside its replacement (<c>Maas:ApiKeys:Rotation</c>).</summary>
public sealed class KeyRotationOptions
{
    /// <summary>Gets or sets the grace when a rotation names none.</summary>
    /// <value>The default is 1 hour: time for a rolling restart to pick up the new key.</value>
    public GoDuration DefaultGrace { get; set; } = GoDuration.FromHours(1);

    /// <summary>Gets or sets the longest grace a rotation may ask for.</summary>
    /// <value>The default is 168 hours (7 days).</value>
    public GoDuration MaximumGrace { get; set; } = GoDuration.FromHours(168);
}
