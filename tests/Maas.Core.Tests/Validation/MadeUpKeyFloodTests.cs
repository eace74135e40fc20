using Maas.ApiKeys;
using Maas.Revocation;
using Maas.Testing;
using Maas.Validation;
using Maas.Storage.SpecificationTests;

namespace Maas.Core.Tests.Validation;

/// <summary>
/// Made-up keys with a valid checksum (anyone can compute the public CRC-32) are refused in memory
/// by the membership filter, neither reach the store nor evict real keys; keys created on another
/// replica still validate.
/// </summary>
public sealed class MadeUpKeyFloodTests
{
    private const int Keys = 100_000;

    [Fact]
    public async Task Hundred_thousand_made_up_keys_reach_the_store_at_most_one_percent_and_a_real_key_stays_cached_throughout()
    {
        using var context = new ValidationTestContext(capacity: 10_000);
        var (real, _) = await context.CreateKeyAsync();
        await context.Validator.KeyFilter.Loading;
        Assert.True(context.Validator.KeyFilter.IsLoaded);
        Assert.True((await context.ValidateAsync(real)).IsValid);
        Assert.Equal(1, context.Store.FindByHashCalls);

        for (var i = 0; i < Keys; i++)
        {
            var madeUp = ApiKeyFormat.Generate().Key;
            Assert.Equal(ValidationFailure.Unknown, (await context.ValidateAsync(madeUp)).Failure);
            if (i % 1_000 == 0)
            {
                Assert.True((await context.ValidateAsync(real)).IsValid);
            }
        }

        Assert.True((await context.ValidateAsync(real)).IsValid);

        // The real key was looked up once, then answered from the cache; the made-up keys cost at
        // most the filter's 1% false positives plus the lookup budget for brand-new keys.
        var madeUpLookups = context.Store.FindByHashCalls - 1;
        Assert.InRange(madeUpLookups, 0, Keys / 100);
        Assert.Equal(1, CountOf(context, real));
        Assert.InRange(context.Validator.Cache.UnknownKeys.Count, 0, ValidationCache.MaxUnknownKeys);
        Assert.Equal(1, context.Validator.Cache.Keys.Count);
    }

    [Fact]
    public async Task Unknown_keys_that_reach_the_store_are_remembered_apart_and_never_evict_real_keys()
    {
        using var context = new ValidationTestContext(capacity: 100);
        var real = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            real.Add((await context.CreateKeyAsync()).Key);
        }

        foreach (var key in real)
        {
            Assert.True((await context.ValidateAsync(key)).IsValid);
        }

        var calls = context.Store.FindByHashCalls;
        for (var i = 0; i < 1_000; i++)
        {
            var madeUp = ApiKeyFormat.Generate().Key;
            var hash = new byte[ApiKeyFormat.HashLength];
            Assert.True(ApiKeyFormat.TryParse(madeUp, out _, hash, out _));

            // Announced but never stored: it passes the filter and reaches the store.
            context.Creations.Publish(hash);
            Assert.Equal(ValidationFailure.Unknown, (await context.ValidateAsync(madeUp)).Failure);
        }

        Assert.Equal(calls + 1_000, context.Store.FindByHashCalls);
        Assert.InRange(context.Validator.Cache.UnknownKeys.Count, 1, 100);
        foreach (var key in real)
        {
            Assert.True((await context.ValidateAsync(key)).IsValid);
        }

        Assert.Equal(calls + 1_000, context.Store.FindByHashCalls);
    }

    [Fact]
    public async Task Key_created_on_another_replica_is_found_within_the_lookup_budget_and_after_its_announcement_always()
    {
        using var context = new ValidationTestContext();
        await context.Validator.KeyFilter.Loading;

        // Created on another replica: in the store, not yet announced here.
        var first = await AddElsewhereAsync(context);
        Assert.True((await context.ValidateAsync(first.Key)).IsValid);

        // A flood spends the budget for unannounced keys (the clock stands still).
        for (var i = 0; i < CredentialValidator.MissLookupsPerSecond * 3; i++)
        {
            Assert.Equal(ValidationFailure.Unknown, (await context.ValidateAsync(ApiKeyFormat.Generate().Key)).Failure);
        }

        var calls = context.Store.FindByHashCalls;
        Assert.InRange(calls, 1, 1 + CredentialValidator.MissLookupsPerSecond);
        var second = await AddElsewhereAsync(context);
        Assert.Equal(ValidationFailure.Unknown, (await context.ValidateAsync(second.Key)).Failure);
        Assert.Equal(calls, context.Store.FindByHashCalls);

        // Its announcement arrives: valid at once, budget or not.
        context.Creations.Publish(second.Hash);
        Assert.True((await context.ValidateAsync(second.Key)).IsValid);

        // The first one joined the filter when the store found it.
        Assert.True((await context.ValidateAsync(first.Key)).IsValid);

        // A second later the budget has refilled: an unannounced key is found again.
        var third = await AddElsewhereAsync(context);
        Assert.Equal(ValidationFailure.Unknown, (await context.ValidateAsync(third.Key)).Failure);
        context.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await context.ValidateAsync(third.Key)).IsValid);
    }

    [Fact]
    public async Task Resynchronize_reloads_the_filter_with_keys_whose_announcements_were_missed()
    {
        using var context = new ValidationTestContext();
        await context.Validator.KeyFilter.Loading;
        for (var i = 0; i < CredentialValidator.MissLookupsPerSecond; i++)
        {
            await context.ValidateAsync(ApiKeyFormat.Generate().Key);
        }

        var missed = await AddElsewhereAsync(context);
        Assert.Equal(ValidationFailure.Unknown, (await context.ValidateAsync(missed.Key)).Failure);

        context.Signal.Publish(new RevocationEvent { Owner = "", Resynchronize = true });
        await context.Validator.KeyFilter.Loading;

        Assert.True((await context.ValidateAsync(missed.Key)).IsValid);
    }

    [Fact]
    public async Task Keys_created_here_while_the_filter_loads_are_in_it_once_loaded()
    {
        using var context = new ValidationTestContext();
        await context.Validator.KeyFilter.Loading;
        var gate = new TaskCompletionSource();
        context.Store.Gate = gate.Task;
        context.Signal.Publish(new RevocationEvent { Owner = "", Resynchronize = true });
        var (key, _) = await context.CreateKeyAsync();
        context.Store.Gate = null;
        gate.SetResult();
        await context.Validator.KeyFilter.Loading;

        for (var i = 0; i < CredentialValidator.MissLookupsPerSecond; i++)
        {
            await context.ValidateAsync(ApiKeyFormat.Generate().Key);
        }

        Assert.True((await context.ValidateAsync(key)).IsValid);
    }

    private static int CountOf(ValidationTestContext context, string key)
    {
        var hash = new byte[ApiKeyFormat.HashLength];
        Assert.True(ApiKeyFormat.TryParse(key, out _, hash, out _));
        return context.Store.FindsByHash[Convert.ToHexString(hash)];
    }

    private static async Task<(string Key, byte[] Hash)> AddElsewhereAsync(ValidationTestContext context)
    {
        var generated = ApiKeyFormat.Generate();
        var record = TestKeys.Create("alice", createdAt: context.Time.GetUtcNow(), id: generated.KeyId, hash: generated.Hash, groups: ValidationTestContext.Alice.Groups);
        await context.Store.AddAsync(record);
        return (generated.Key, generated.Hash);
    }
}
