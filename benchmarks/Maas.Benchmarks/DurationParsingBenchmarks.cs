using System.Globalization;
using BenchmarkDotNet.Attributes;
using Maas.Durations;

namespace Maas.Benchmarks;

/// <summary>
/// Parsing and printing Go durations (every <c>expiration</c> field). The floor is .NET's own
/// <see cref="TimeSpan.TryParseExact(string, string, IFormatProvider, out TimeSpan)"/> of the same span in constant ("c") form.
/// </summary>
[MemoryDiagnoser]
public class DurationParsingBenchmarks
{
    private readonly GoDuration _fourHours = GoDuration.FromHours(4);

    /// <summary>The floor: <c>04:00:00</c> in the invariant constant format.</summary>
    [Benchmark(Baseline = true)]
    public TimeSpan TimeSpan_TryParseExact()
    {
        _ = TimeSpan.TryParseExact("04:00:00", "c", CultureInfo.InvariantCulture, out var value);
        return value;
    }

    /// <summary>The common case: <c>4h</c>.</summary>
    [Benchmark]
    public GoDuration GoDuration_TryParse_Short()
    {
        _ = GoDuration.TryParse("4h", out var value, out _);
        return value;
    }

    /// <summary>Several units and a fraction: <c>2h45m30.5s</c>.</summary>
    [Benchmark]
    public GoDuration GoDuration_TryParse_Compound()
    {
        _ = GoDuration.TryParse("2h45m30.5s", out var value, out _);
        return value;
    }

    /// <summary>A refusal: <c>2x</c> (the error message is built).</summary>
    [Benchmark]
    public string? GoDuration_TryParse_Invalid()
    {
        _ = GoDuration.TryParse("2x", out _, out var error);
        return error;
    }

    /// <summary>Printing as Go does: <c>4h0m0s</c>.</summary>
    [Benchmark]
    public string GoDuration_ToString() => _fourHours.ToString();
}
