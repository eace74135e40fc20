using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Maas.Telemetry;

/// <summary>
/// The credential-lifecycle instruments of the <c>Maas</c> meter and the <c>Maas</c> activity source.
/// Maas only emits: a host chooses what to export (OpenTelemetry <c>AddMeter("Maas")</c>,
/// <c>AddSource("Maas")</c>). Tags are fixed words: never a credential, a hash or a user name.
/// </summary>
internal sealed class MaasMetrics : IDisposable
{
    /// <summary>The meter and activity source name.</summary>
    public const string Name = "Maas";

    /// <summary>Counts token issuances; tag <c>result</c> (success, invalid_request, no_tier, error).</summary>
    public const string TokensIssuedName = "maas.tokens.issued";

    /// <summary>Counts API key creations; tag <c>result</c> (success, invalid_request, no_tier, error).</summary>
    public const string ApiKeysCreatedName = "maas.api_keys.created";

    /// <summary>Counts revocations; tag <c>scope</c> (key: one key, all: every token and key of a user).</summary>
    public const string RevocationsName = "maas.revocations";

    /// <summary>Store call latency in seconds; tags <c>operation</c> and <c>result</c> (ok, error).</summary>
    public const string StoreDurationName = "maas.store.duration";

    /// <summary>Gets the activity source of every Maas span.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _tokensIssued;
    private readonly Counter<long> _apiKeysCreated;
    private readonly Counter<long> _revocations;
    private readonly Histogram<double> _storeDuration;

    public MaasMetrics(IMeterFactory? meterFactory)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(Name) ?? new Meter(Name);
        _tokensIssued = _meter.CreateCounter<long>(TokensIssuedName, "{token}", "Token issuance attempts, by result.");
        _apiKeysCreated = _meter.CreateCounter<long>(ApiKeysCreatedName, "{key}", "API key creation attempts, by result.");
        _revocations = _meter.CreateCounter<long>(RevocationsName, "{revocation}", "Revocations, by scope (key or all).");
        _storeDuration = _meter.CreateHistogram(
            StoreDurationName,
            "s",
            "Key store call latency, by operation and result.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
    }

    public void TokenIssued(string result)
    {
        if (_tokensIssued.Enabled)
        {
            _tokensIssued.Add(1, new KeyValuePair<string, object?>("result", result));
        }
    }

    public void ApiKeyCreated(string result)
    {
        if (_apiKeysCreated.Enabled)
        {
            _apiKeysCreated.Add(1, new KeyValuePair<string, object?>("result", result));
        }
    }

    public void Revoked(string scope)
    {
        if (_revocations.Enabled)
        {
            _revocations.Add(1, new KeyValuePair<string, object?>("scope", scope));
        }
    }

    public void StoreCalled(string operation, bool succeeded, TimeSpan elapsed)
    {
        if (_storeDuration.Enabled)
        {
            _storeDuration.Record(
                elapsed.TotalSeconds,
                new KeyValuePair<string, object?>("operation", operation),
                new KeyValuePair<string, object?>("result", succeeded ? "ok" : "error"));
        }
    }

    /// <summary>The <c>result</c> tag of a failed issuance or creation: a fixed word per exception type.</summary>
    public static string FailureResult(Exception exception) => exception switch
    {
        Errors.NoTierException => "no_tier",
        Errors.InvalidRequestException => "invalid_request",
        _ => "error",
    };

    /// <summary>
    /// Counts a failed issuance or creation with <paramref name="count"/> and marks its span (when
    /// something listens) with the same fixed word.
    /// </summary>
    public static void Failed(Activity? activity, Exception exception, Action<string> count)
    {
        var result = FailureResult(exception);
        count(result);
        activity?.SetTag("maas.result", result);
        activity?.SetStatus(ActivityStatusCode.Error, result);
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
