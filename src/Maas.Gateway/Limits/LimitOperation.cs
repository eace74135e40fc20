namespace Maas.Gateway.Limits;

/// <summary>The three things a counter is asked to do, as they appear in logs and metric tags.</summary>
internal enum LimitOperation
{
    /// <summary><see cref="ILimitCounter.AcquireAsync"/>.</summary>
    Acquire,

    /// <summary><see cref="ILimitCounter.SettleAsync"/>.</summary>
    Settle,

    /// <summary><see cref="ILimitCounter.ReadAsync"/>.</summary>
    Read,
}
