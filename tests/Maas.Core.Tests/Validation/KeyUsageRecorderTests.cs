using Maas.ApiKeys;

namespace Maas.Core.Tests.Validation;

/// <summary><c>last_used_at</c> is debounced in memory and written in batches.</summary>
public sealed class KeyUsageRecorderTests
{
    [Fact]
    public async Task Many_validations_cost_at_most_one_store_write_per_flush_with_the_latest_instant()
    {
        using var context = new ValidationTestContext();
        var (key, id) = await context.CreateKeyAsync();
        var (other, otherId) = await context.CreateKeyAsync();
        for (var i = 0; i < 1_000; i++)
        {
            await context.ValidateAsync(key);
            if (i % 100 == 0)
            {
                await context.ValidateAsync(other);
                context.Time.Advance(TimeSpan.FromMilliseconds(1));
            }
        }

        var lastUse = context.Time.GetUtcNow();
        await context.ValidateAsync(key);
        Assert.Equal(0, context.Store.RecordUsageCalls);

        await context.Usage.FlushAsync();

        Assert.Equal(1, context.Store.RecordUsageCalls);
        var batch = Assert.Single(context.Store.Usages);
        Assert.Equal(2, batch.Count);
        Assert.Equal(lastUse, batch.Single(u => u.Id == id).UsedAt);
        Assert.Equal(lastUse, (await context.Store.GetAsync("alice", id))!.LastUsedAt);
        Assert.NotNull((await context.Store.GetAsync("alice", otherId))!.LastUsedAt);

        await context.Usage.FlushAsync();
        Assert.Equal(1, context.Store.RecordUsageCalls);
    }

    [Fact]
    public async Task Flush_happens_on_the_timer_every_interval_of_the_clock()
    {
        using var context = new ValidationTestContext();
        var (key, id) = await context.CreateKeyAsync();
        await context.ValidateAsync(key);

        context.Time.Advance(context.Options.Value.Validation.UsageFlushInterval.ToTimeSpan());

        Assert.Equal(1, context.Store.RecordUsageCalls);
        Assert.NotNull((await context.Store.GetAsync("alice", id))!.LastUsedAt);
    }

    [Fact]
    public async Task Failed_write_keeps_the_usages_for_the_next_flush_and_dispose_flushes_what_is_left()
    {
        using var context = new ValidationTestContext();
        var (key, id) = await context.CreateKeyAsync();
        await context.ValidateAsync(key);
        context.Store.FailUsage = new StoreUnavailableException("database restarting");

        await context.Usage.FlushAsync();
        Assert.Equal(1, context.Usage.PendingCount);

        context.Store.FailUsage = null;
        await context.Usage.DisposeAsync();
        Assert.Equal(0, context.Usage.PendingCount);
        Assert.NotNull((await context.Store.GetAsync("alice", id))!.LastUsedAt);
    }

    [Fact]
    public async Task Refused_keys_record_no_usage()
    {
        using var context = new ValidationTestContext();
        var (key, id) = await context.CreateKeyAsync();
        await context.Service.ApiKeys.RevokeAsync(ValidationTestContext.Alice, id);
        await context.ValidateAsync(key);
        await context.ValidateAsync(ApiKeyFormat.Generate().Key);
        Assert.Equal(0, context.Usage.PendingCount);
    }
}
