using System.Diagnostics;

namespace Maas.Benchmarks.Scale;

/// <summary>Latencies of one measured operation, and their percentiles, in milliseconds.</summary>
internal sealed class LatencySamples(string name)
{
    private readonly List<double> _milliseconds = [];
    private readonly Lock _gate = new();

    public string Name { get; } = name;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _milliseconds.Count;
            }
        }
    }

    /// <summary>Runs <paramref name="operation"/> once and records how long it took.</summary>
    public async Task<T> TimeAsync<T>(Func<Task<T>> operation)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await operation();
        Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return result;
    }

    public void Add(double milliseconds)
    {
        lock (_gate)
        {
            _milliseconds.Add(milliseconds);
        }
    }

    /// <summary>The nearest-rank percentile (0 &lt; p ≤ 100).</summary>
    public double Percentile(double p)
    {
        lock (_gate)
        {
            if (_milliseconds.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _milliseconds.Order().ToArray();
            var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
            return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
        }
    }
}
