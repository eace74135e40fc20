using System.Diagnostics.Metrics;

namespace Maas.Gateway.Limits;

/// <summary>
/// The limit counters' instrument on the <c>Maas</c> meter: <c>maas.gateway.limiter.errors</c>, by
/// operation (acquire, settle, read). Tags are fixed words: never a user, tier or model name.
/// </summary>
internal sealed class LimiterMetrics : IDisposable
{
    /// <summary>The meter name to listen to (OpenTelemetry <c>AddMeter("Maas")</c>).</summary>
    public const string MeterName = "Maas";

    /// <summary>Counts counter operations that failed (store unreachable, too slow, or full); tag <c>operation</c>.</summary>
    public const string ErrorsName = "maas.gateway.limiter.errors";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _errors;

    public LimiterMetrics(IMeterFactory? meterFactory)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _errors = _meter.CreateCounter<long>(ErrorsName, "{error}", "Limit counter operations that failed, by operation; the call then followed the configured failure mode.");
    }

    public void Error(LimitOperation operation)
    {
        if (_errors.Enabled)
        {
            _errors.Add(1, new KeyValuePair<string, object?>("operation", OperationTag(operation)));
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    internal static string OperationTag(LimitOperation operation) => operation switch
    {
        LimitOperation.Acquire => "acquire",
        LimitOperation.Settle => "settle",
        _ => "read",
    };
}
