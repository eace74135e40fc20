using Maas.Validation;

namespace Maas.Core.Tests.Validation;

/// <summary>The two-generation cache behind validation: bounded, and keeps what is in use.</summary>
public sealed class BoundedCacheTests
{
    [Fact]
    public void Never_holds_more_than_its_capacity_even_with_many_writers()
    {
        var cache = new BoundedCache<int, object>(1_000);
        Parallel.For(0, 200_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            cache.Set(i, new object());
            if (i % 1_000 == 0)
            {
                Assert.InRange(cache.Count, 0, 1_000);
            }
        });
        Assert.InRange(cache.Count, 1, 1_000);
    }

    [Fact]
    public void Entry_read_often_survives_while_entries_never_read_again_are_dropped()
    {
        var cache = new BoundedCache<int, string>(100);
        cache.Set(-1, "hot");
        for (var i = 0; i < 10_000; i++)
        {
            cache.Set(i, "cold");
            Assert.True(cache.TryGet(-1, out var hot));
            Assert.Equal("hot", hot);
        }

        Assert.False(cache.TryGet(0, out _));
        Assert.True(cache.TryGet(9_999, out _));
    }

    [Fact]
    public void Remove_takes_out_only_the_value_it_names_and_clear_drops_everything()
    {
        var cache = new BoundedCache<string, object>(10, StringComparer.Ordinal);
        var first = new object();
        var second = new object();
        cache.Set("k", first);
        cache.Set("k", second);
        cache.Remove("k", first);
        Assert.True(cache.TryGet("k", out var kept));
        Assert.Same(second, kept);
        Assert.Equal(1, cache.Count);

        cache.Remove("k", second);
        Assert.False(cache.TryGet("k", out _));
        cache.Set("a", first);
        cache.Clear();
        Assert.Equal(0, cache.Count);
    }
}
