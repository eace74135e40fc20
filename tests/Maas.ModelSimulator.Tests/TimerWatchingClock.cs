using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Maas.ModelSimulator.Tests;

/// <summary>A fake clock that reports every one-shot timer created on it, so a test knows the simulator is waiting, and for how long.</summary>
public sealed class TimerWatchingClock : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public TimerWatchingClock()
        : base(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>The due time of the next one-shot timer (a <c>Task.Delay</c>) created on this clock.</summary>
    public Task<TimeSpan> NextDelayAsync() => _timers.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    public bool HasPendingDelay => _timers.Reader.TryPeek(out _);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (period == Timeout.InfiniteTimeSpan)
        {
            _timers.Writer.TryWrite(dueTime);
        }

        return timer;
    }
}
