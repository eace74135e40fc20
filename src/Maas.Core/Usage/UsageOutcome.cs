namespace Maas.Usage;

/// <summary>How a model call that reached the limit counters ended, as the usage ledger records it.</summary>
public enum UsageOutcome
{
    /// <summary>Admitted and answered by the model (a 2xx, or a 4xx of the model's own).</summary>
    Allowed,

    /// <summary>Refused by a limit (a 429).</summary>
    Limited,

    /// <summary>Admitted, but the model failed, timed out or could not be reached (a 5xx).</summary>
    UpstreamError,
}
