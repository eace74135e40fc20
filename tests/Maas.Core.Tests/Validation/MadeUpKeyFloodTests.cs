using Maas.ApiKeys;
using Maas.Validation;

namespace Maas.Core.Tests.Validation;

/// <summary>A flood of made-up keys neither fills memory nor reaches the store more than once per key.</summary>
public sealed class MadeUpKeyFloodTests
{
    private const int Keys = 100_000;
    private const int Capacity = 10_000;

    [Fact]
    public async Task Hundred_thousand_made_up_keys_keep_the_cache_within_capacity_and_reach_the_store_at_most_once_each()
    {
        using var context = new ValidationTestContext(capacity: Capacity);
        var madeUp = new string[Keys];
        for (var i = 0; i < Keys; i++)
        {
            madeUp[i] = ApiKeyFormat.Generate().Key;
        }

        var maxCount = 0;
        foreach (var key in madeUp)
        {
            // Each key twice in a row: the second is answered from the cache.
            Assert.Equal(ValidationFailure.Unknown, (await context.ValidateAsync(key)).Failure);
            Assert.Equal(ValidationFailure.Unknown, (await context.ValidateAsync(key)).Failure);
            maxCount = Math.Max(maxCount, context.Validator.Cache.Keys.Count);
        }

        Assert.InRange(maxCount, 1, Capacity);
        Assert.Equal(Keys, context.Store.FindByHashCalls);
        Assert.Equal(Keys, context.Store.FindsByHash.Count);
        Assert.All(context.Store.FindsByHash.Values, count => Assert.Equal(1, count));

        // The most recent ones are still remembered: no new store call.
        for (var i = Keys - (Capacity / 2); i < Keys; i++)
        {
            Assert.Equal(ValidationFailure.Unknown, (await context.ValidateAsync(madeUp[i])).Failure);
        }

        Assert.Equal(Keys, context.Store.FindByHashCalls);

        // The same keys with one character changed fail the checksum: no cache entry, no store call.
        var before = context.Validator.Cache.Keys.Count;
        foreach (var key in madeUp)
        {
            var mistyped = key[..^1] + (key[^1] == 'a' ? 'b' : 'a');
            Assert.Equal(ValidationFailure.Malformed, (await context.ValidateAsync(mistyped)).Failure);
        }

        Assert.Equal(Keys, context.Store.FindByHashCalls);
        Assert.Equal(before, context.Validator.Cache.Keys.Count);
        Assert.Equal(0, context.Store.RevokedBeforeCalls);
    }

    [Fact]
    public async Task Default_capacity_holds_a_hundred_thousand_unknown_keys_without_exceeding_it()
    {
        using var context = new ValidationTestContext(capacity: new ValidationOptions().CacheCapacity);
        for (var i = 0; i < Keys + 1_000; i++)
        {
            await context.ValidateAsync(ApiKeyFormat.Generate().Key);
        }

        Assert.InRange(context.Validator.Cache.Keys.Count, 1, 100_000);
    }
}
