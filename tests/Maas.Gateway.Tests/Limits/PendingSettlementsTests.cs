using Maas.Gateway.Limits;

namespace Maas.Gateway.Tests.Limits;

public sealed class PendingSettlementsTests
{
    [Fact]
    public void Corrections_of_one_window_add_up_and_are_taken_once()
    {
        var pending = new PendingSettlements();
        pending.Add("a", 100, 30);
        pending.Add("a", 100, -45);
        pending.Add("b", 100, 5);

        Assert.True(pending.TryTake("a", out var taken));
        Assert.Equal(new PendingSettlement(100, -15), taken);
        Assert.False(pending.TryTake("a", out _));
        Assert.Equal([("b", new PendingSettlement(100, 5))], pending.TakeAll());
        Assert.Empty(pending.TakeAll());
    }

    [Fact]
    public void Corrections_saturate_at_the_counters_bound_and_never_overflow()
    {
        var pending = new PendingSettlements();
        for (var i = 0; i < 3; i++)
        {
            pending.Add("up", 100, long.MaxValue);
            pending.Add("down", 100, -LimitWindows.MaxCount);
        }

        Assert.True(pending.TryTake("up", out var up));
        Assert.Equal(LimitWindows.MaxCount, up.Delta);
        Assert.True(pending.TryTake("down", out var down));
        Assert.Equal(-LimitWindows.MaxCount, down.Delta);
    }

    [Fact]
    public void A_later_windows_correction_replaces_an_earlier_ones_and_an_earlier_one_is_dropped()
    {
        var pending = new PendingSettlements();
        pending.Add("a", 100, 30);
        pending.Add("a", 200, 7);
        pending.Add("a", 100, 1000);

        Assert.True(pending.TryTake("a", out var taken));
        Assert.Equal(new PendingSettlement(200, 7), taken);
    }

    [Fact]
    public void Corrections_added_from_many_threads_are_all_counted()
    {
        var pending = new PendingSettlements();
        Parallel.For(0, 10_000, i => pending.Add("a", 100, i % 2 == 0 ? 3 : -1));

        Assert.True(pending.TryTake("a", out var taken));
        Assert.Equal(10_000, taken.Delta);
    }
}
