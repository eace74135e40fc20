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
    /// Gets or sets the StackExchange.Redis configuration string (for example
    /// <c>redis:6379,password=…,ssl=true</c>) of the Redis that holds the counters, so that every
    /// replica shares one budget. When <see langword="null"/> or empty, each replica counts in memory.
    /// </summary>
    /// <value>The default is <see langword="null"/>: counters in memory.</value>
    public string? Redis { get; set; }

    /// <summary>Gets or sets the prefix of every Redis key the counters write, so several deployments can share one Redis.</summary>
    /// <value>The default is <c>maas:limits:</c>.</value>
    public string KeyPrefix { get; set; } = "maas:limits:";

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

    /// <summary>
    /// Gets or sets the time zone, an IANA id such as <c>Europe/Berlin</c>, whose calendar the tiers'
    /// <c>day</c>, <c>week</c> and <c>month</c> budgets follow (<see cref="Maas.Tiers.TierLimits.Budgets"/>):
    /// they start at its midnight, so a day is 23 or 25 hours long when its clocks change.
    /// </summary>
    /// <value>The default is <c>UTC</c>.</value>
    public string TimeZone { get; set; } = "UTC";
}
