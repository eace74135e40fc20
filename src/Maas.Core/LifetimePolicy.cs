using Maas.Durations;

namespace Maas;

/// <summary>How long a kind of credential lives when not asked, and the bounds a request must respect.</summary>
public class LifetimePolicy
{
    /// <summary>Gets or sets the lifetime when the request names none.</summary>
    public GoDuration Default { get; set; }

    /// <summary>Gets or sets the shortest lifetime a request may ask for.</summary>
    public GoDuration Minimum { get; set; }

    /// <summary>Gets or sets the longest lifetime a request may ask for.</summary>
    public GoDuration Maximum { get; set; }
}
