namespace Maas.Gateway;

/// <summary>
/// Where the gateway counts each tier's request and LLM-token limits, and what it does when the
/// counters cannot be reached. Binds from <c>Maas:Gateway:Limits</c>; validated at start.
/// </summary>
public sealed class GatewayLimitOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Maas:Gateway:Limits";

    /// <summary>
    /// Gets or sets what happens to a call when the counters cannot be reached: forwarded uncounted
    /// (<see cref="LimitFailureMode.Open"/>) or refused with 503 (<see cref="LimitFailureMode.Closed"/>).
    /// </summary>
    /// <value>The default is <see cref="LimitFailureMode.Open"/>, as Envoy's rate-limit filter does: a counter outage is not a model outage.</value>
    public LimitFailureMode FailureMode { get; set; } = LimitFailureMode.Open;

    /// <summary>
    /// Gets or sets whether each model has its own budget. When <see langword="false"/>, a user's
    /// calls to every model of their tier draw on one budget, as the original's policies count.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool PerModel { get; set; }
}
