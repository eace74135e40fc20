using Maas.Gateway.Limits;

namespace Maas.Gateway.Tests;

/// <summary>The numbers a hostile caller or upstream sends, for property tests: the edges of long, of a double's exact range and of the counters' bound, and ordinary ones.</summary>
internal static class HostileNumbers
{
    private static readonly long[] Edges =
    [
        0, 1, 2, 5, 255, 256, 4096, int.MaxValue, (long)int.MaxValue + 1, 1L << 20, (1L << 20) + 1,
        LimitWindows.MaxCount - 1, LimitWindows.MaxCount, LimitWindows.MaxCount + 1,
        (1L << 53) - 1, 1L << 53, (1L << 53) + 1, 1L << 62,
        long.MaxValue - 27, long.MaxValue - 1, long.MaxValue,
    ];

    /// <summary>Returns a non-negative long: an edge, a small number, or any long.</summary>
    public static long Next(Random random) => random.Next(4) switch
    {
        0 => Edges[random.Next(Edges.Length)],
        1 => random.NextInt64(0, 100_000),
        2 => random.NextInt64(0, long.MaxValue),
        _ => Math.Max(0, Edges[random.Next(Edges.Length)] - random.Next(3)),
    };
}
