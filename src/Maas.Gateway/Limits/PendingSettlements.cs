using System.Collections.Concurrent;

namespace Maas.Gateway.Limits;

/// <summary>
/// Token settlements a replica has not yet sent to Redis, one per partition key: the sum of the
/// corrections (real count minus reservation) made in one token window. <see cref="RedisLimitCounter"/>
/// sends them with the partition's next acquire, or on its flush timer when the partition goes quiet.
/// </summary>
/// <remarks>
/// Corrections of one window add up. A correction for a later window replaces one for an earlier
/// window, and one for an earlier window is dropped: a window only opens after the one before it
/// ended, and a settlement after its window ended changes nothing (<see cref="ILimitCounter.SettleAsync"/>).
/// Taking an entry removes it, so each correction is sent at most once.
/// </remarks>
internal sealed class PendingSettlements
{
    private readonly ConcurrentDictionary<string, PendingSettlement> _entries = new(StringComparer.Ordinal);

    /// <summary>
    /// Adds a correction of <paramref name="delta"/> tokens (within ±<see cref="LimitWindows.MaxCount"/>)
    /// to the window of <paramref name="key"/> that started at <paramref name="windowStartTicks"/>.
    /// Sums saturate at ±<see cref="LimitWindows.MaxCount"/>: a count never leaves 0..MaxCount anyway.
    /// </summary>
    public void Add(string key, long windowStartTicks, long delta) =>
        _entries.AddOrUpdate(
            key,
            static (_, added) => added,
            static (_, pending, added) => pending.WindowStartTicks == added.WindowStartTicks
                ? pending with { Delta = Math.Clamp(pending.Delta + added.Delta, -LimitWindows.MaxCount, LimitWindows.MaxCount) }
                : added.WindowStartTicks > pending.WindowStartTicks ? added : pending,
            new PendingSettlement(windowStartTicks, Math.Clamp(delta, -LimitWindows.MaxCount, LimitWindows.MaxCount)));

    /// <summary>Takes the pending correction of <paramref name="key"/>, if any; the caller then sends it.</summary>
    public bool TryTake(string key, out PendingSettlement settlement)
    {
        // The lock-free read first: on the hot path a partition usually has nothing pending.
        if (!_entries.TryGetValue(key, out _))
        {
            settlement = default;
            return false;
        }

        return _entries.TryRemove(key, out settlement);
    }

    /// <summary>Takes every pending correction, for the flush timer and shutdown.</summary>
    public List<(string Key, PendingSettlement Settlement)> TakeAll()
    {
        var taken = new List<(string, PendingSettlement)>();
        foreach (var entry in _entries)
        {
            if (_entries.TryRemove(entry.Key, out var settlement))
            {
                taken.Add((entry.Key, settlement));
            }
        }

        return taken;
    }
}

/// <summary>A correction of <see cref="Delta"/> tokens to the token window that started at <see cref="WindowStartTicks"/> (UTC ticks).</summary>
internal readonly record struct PendingSettlement(long WindowStartTicks, long Delta);
