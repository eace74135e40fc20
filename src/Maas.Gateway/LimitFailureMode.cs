namespace Maas.Gateway;

/// <summary>What the gateway does with a call when its limit counters cannot be reached (Redis down or too slow).</summary>
public enum LimitFailureMode
{
    /// <summary>Forward the call uncounted: a counter outage is not a model outage.</summary>
    Open,

    /// <summary>Refuse the call with 503 until the counters are back: no call goes uncounted.</summary>
    Closed,
}
