using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Maas.Gateway.Usage;
using Microsoft.Extensions.Logging;

namespace Maas.Gateway.Diagnostics;

/// <summary>
/// Per-user counters under Limitador's names and labels, so the Go maas-api deployment's dashboards
/// (<c>sum by (user) (authorized_hits)</c>, <c>topk(10, …)</c>) work unchanged on Maas:
/// <c>authorized_calls</c> and <c>authorized_hits</c> (the settled LLM tokens) for admitted calls,
/// <c>limited_calls</c> for refused ones, labelled <c>user</c>, <c>tier</c>, <c>model</c>.
/// <para>
/// Limitador exports them as counters without the <c>_total</c> suffix, which OpenTelemetry's
/// Prometheus exporter adds to every counter; so they are observable gauges holding running totals
/// since the process started (monotonic, reset only by a restart, as Limitador's are), which the
/// exporter keeps under the exact names and <c>rate()</c> and <c>increase()</c> read as counters.
/// </para>
/// <para>
/// A call costs a dictionary probe on a struct key (no allocation once its series exists) and one or
/// two interlocked adds. Series are bounded (<see cref="GatewayUsageExportOptions.MaxUserSeries"/>):
/// beyond it a new combination counts under <c>(overflow)</c> in all three labels, and the bound is
/// logged once.
/// </para>
/// </summary>
internal sealed partial class UserUsageMetrics
{
    /// <summary>The label value of every label of the one series that counts combinations beyond the bound.</summary>
    public const string Overflow = "(overflow)";

    public const string AuthorizedCallsName = "authorized_calls";
    public const string AuthorizedHitsName = "authorized_hits";
    public const string LimitedCallsName = "limited_calls";

    private readonly ConcurrentDictionary<SeriesKey, Series> _series = new();
    private readonly Series _overflow = new(new SeriesKey(Overflow, Overflow, Overflow));
    private readonly int _maxSeries;
    private readonly ILogger _logger;
    private int _seriesCount;
    private int _overflowLogged;

    public UserUsageMetrics(IMeterFactory meterFactory, int maxSeries, ILogger logger)
    {
        _maxSeries = maxSeries;
        _logger = logger;
        var meter = meterFactory.Create("Maas");
        meter.CreateObservableGauge(AuthorizedCallsName, () => Observe(static s => Volatile.Read(ref s.Calls)), "{request}", "Calls the limits admitted, by user, tier and model (Limitador's name; a running total since start).");
        meter.CreateObservableGauge(AuthorizedHitsName, () => Observe(static s => Volatile.Read(ref s.Hits)), "{token}", "LLM tokens the admitted calls were settled with, by user, tier and model (Limitador's name; a running total since start).");
        meter.CreateObservableGauge(LimitedCallsName, () => Observe(static s => Volatile.Read(ref s.Limited)), "{request}", "Calls a limit refused, by user, tier and model (Limitador's name; a running total since start).");
    }

    /// <summary>Series held now, the overflow series not included (for tests and the bound).</summary>
    internal int SeriesCount => Volatile.Read(ref _seriesCount);

    /// <summary>Counts an admitted call settled with <paramref name="tokens"/> LLM tokens.</summary>
    public void Authorized(string user, string tier, string model, long tokens)
    {
        var series = SeriesOf(user, tier, model);
        Interlocked.Increment(ref series.Calls);
        if (tokens > 0)
        {
            SaturatingAdd(ref series.Hits, tokens);
        }
    }

    /// <summary>Counts a call a limit refused.</summary>
    public void Limited(string user, string tier, string model) =>
        Interlocked.Increment(ref SeriesOf(user, tier, model).Limited);

    private Series SeriesOf(string user, string tier, string model)
    {
        var key = new SeriesKey(user, tier, model);
        if (_series.TryGetValue(key, out var series))
        {
            return series;
        }

        // Reserve a place first, so that racing callers never hold more series than the bound.
        if (Interlocked.Increment(ref _seriesCount) > _maxSeries)
        {
            Interlocked.Decrement(ref _seriesCount);
            if (Interlocked.Exchange(ref _overflowLogged, 1) == 0)
            {
                LogBoundReached(_logger, _maxSeries, GatewayUsageExportOptions.SectionName);
            }

            return _overflow;
        }

        var added = new Series(key);
        series = _series.GetOrAdd(key, added);
        if (!ReferenceEquals(series, added))
        {
            Interlocked.Decrement(ref _seriesCount);
        }

        return series;
    }

    private List<Measurement<long>> Observe(Func<Series, long> value)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var series in _series.Values.Append(_overflow))
        {
            var count = value(series);
            if (count > 0)
            {
                measurements.Add(new Measurement<long>(count, series.Tags));
            }
        }

        return measurements;
    }

    private static void SaturatingAdd(ref long field, long value)
    {
        var current = Volatile.Read(ref field);
        while (true)
        {
            var next = current > long.MaxValue - value ? long.MaxValue : current + value;
            var seen = Interlocked.CompareExchange(ref field, next, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    [LoggerMessage(EventId = 8041, Level = LogLevel.Warning, Message = "The per-user usage counters reached their bound of {MaxSeries} user, tier and model combinations; calls of new ones are counted under user, tier and model \"(overflow)\" ({Section}:MaxUserSeries)")]
    private static partial void LogBoundReached(ILogger logger, int maxSeries, string section);

    private readonly record struct SeriesKey(string User, string Tier, string Model);

    /// <summary>One user, tier and model's running totals; fields so that the adds are interlocked.</summary>
    private sealed class Series(SeriesKey key)
    {
        public readonly KeyValuePair<string, object?>[] Tags = [new("user", key.User), new("tier", key.Tier), new("model", key.Model)];
        public long Calls;
        public long Hits;
        public long Limited;
    }
}
