using Maas.ApiKeys;
using Maas.Gateway.Limits;
using Maas.Tiers;

namespace Maas.Gateway.Tests.Limits;

/// <summary>
/// An API key's own limits beside its owner's tier, the same on every counter: counted per key in
/// the same atomic acquire, the tighter binds, a refused call counts against nothing.
/// </summary>
public abstract partial class LimitCounterConformanceTests
{
    private const string CiKey = "ci0000000000000k1";
    private const string NotebookKey = "nb0000000000000k2";

    [Fact]
    public async Task A_keys_monthly_token_budget_below_its_tiers_binds_first_and_counts_only_that_key()
    {
        var counter = await CreateCounterAsync(TimeZoneInfo.Utc);
        var tier = Budgets(0, 0, new TierBudget { Period = "month", Tokens = 1000 });
        var ci = new ApiKeyLimits { Budgets = [new TierBudget { Period = "month", Tokens = 100 }] };
        Time.SetUtcNow(new DateTimeOffset(2027, 1, 31, 23, 0, 0, TimeSpan.Zero));

        var first = await counter.AcquireWithKeyAsync(Alice, tier, CiKey, ci, 60, default);
        var second = await counter.AcquireWithKeyAsync(Alice, tier, CiKey, ci, 60, default);
        Assert.True(first.Allowed && second.Allowed);
        Assert.Equal(new LimitState(100, 120, TimeSpan.FromDays(31), TimeSpan.FromHours(1)), Budget(second, "key-tokens-month").State);
        Assert.Equal(120, Budget(second, "tokens-month").State.Used);

        // The key's budget is spent, the tier's is not: refused by the key's, with Retry-After at the month's end.
        var refused = await counter.AcquireWithKeyAsync(Alice, tier, CiKey, ci, 1, default);
        Assert.False(refused.Allowed);
        Assert.False(refused.CountersUnavailable);
        Assert.Equal(LimitKind.Budget, refused.RefusedBy);
        Assert.Equal("key-tokens-month", refused.RefusingBudget!.Name);
        Assert.Equal($"Monthly token budget of key '{CiKey}'", refused.RefusingBudget.Description);
        Assert.Equal(TimeSpan.FromHours(1), refused.RetryAfter);
        Assert.Null(refused.Reservation);

        // The owner's other key (no limits of its own) and a token still draw on the tier alone; the refusal counted nothing.
        var other = await counter.AcquireWithKeyAsync(Alice, tier, NotebookKey, null, 5, default);
        Assert.True(other.Allowed);
        Assert.Equal(125, Budget(other, "tokens-month").State.Used);
        Assert.True((await counter.AcquireAsync(Alice, tier, 5, default)).Allowed);

        // The key's first call used 10 of its 60: the key's budget and the tier's both settle.
        await counter.SettleAsync(first.Reservation!, 10, default);
        var reading = await counter.ReadWithKeyAsync(Alice, tier, CiKey, ci, default);
        Assert.Equal(80, reading.Budgets.Single(b => b.Rule.Name == "tokens-month").State.Used);
        Assert.Equal(70, reading.Budgets.Single(b => b.Rule.Name == "key-tokens-month").State.Used);
        Assert.True((await counter.AcquireWithKeyAsync(Alice, tier, CiKey, ci, 20, default)).Allowed);

        // February: the key's month starts from zero too.
        Time.SetUtcNow(new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero));
        var february = await counter.AcquireWithKeyAsync(Alice, tier, CiKey, ci, 99, default);
        Assert.True(february.Allowed);
        Assert.Equal(99, Budget(february, "key-tokens-month").State.Used);
    }

    [Fact]
    public async Task A_keys_request_limit_refuses_while_another_key_of_the_same_user_still_passes()
    {
        var counter = await CreateCounterAsync(TimeZoneInfo.Utc);
        var tier = Limits(10, 0);
        var ci = new ApiKeyLimits { Requests = 2 };
        var notebook = new ApiKeyLimits { Requests = 3 };

        Assert.True((await counter.AcquireWithKeyAsync(Alice, tier, CiKey, ci, 0, default)).Allowed);
        Assert.True((await counter.AcquireWithKeyAsync(Alice, tier, CiKey, ci, 0, default)).Allowed);
        var refused = await counter.AcquireWithKeyAsync(Alice, tier, CiKey, ci, 0, default);
        Assert.False(refused.Allowed);
        Assert.Equal(LimitKind.Budget, refused.RefusedBy);
        Assert.Equal("key-requests-2m0s", refused.RefusingBudget!.Name);
        Assert.Equal($"Request limit of key '{CiKey}'", refused.RefusingBudget.Description);

        // The key's window is a period of the tier's window length aligned to the epoch: it ends at the next whole 2 minutes.
        var now = Time.GetUtcNow().UtcTicks;
        var windowEnd = (now / RequestWindow.Ticks * RequestWindow.Ticks) + RequestWindow.Ticks;
        Assert.Equal(TimeSpan.FromTicks(windowEnd - now), refused.RetryAfter);

        // Keys alternate: each keeps its own count, the tier counts them all.
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await counter.AcquireWithKeyAsync(Alice, tier, NotebookKey, notebook, 0, default)).Allowed, $"notebook call {i}");
            Assert.False((await counter.AcquireWithKeyAsync(Alice, tier, CiKey, ci, 0, default)).Allowed, $"ci call {i}");
        }

        Assert.False((await counter.AcquireWithKeyAsync(Alice, tier, NotebookKey, notebook, 0, default)).Allowed);
        var token = await counter.AcquireAsync(Alice, tier, 0, default);
        Assert.True(token.Allowed);
        Assert.Equal(6, token.Requests.Used);

        Time.SetUtcNow(new DateTimeOffset(windowEnd, TimeSpan.Zero));
        Assert.True((await counter.AcquireWithKeyAsync(Alice, tier, CiKey, ci, 0, default)).Allowed);
    }

    [Fact]
    public async Task The_tier_binds_when_it_is_tighter_than_the_key()
    {
        var counter = await CreateCounterAsync(TimeZoneInfo.Utc);
        var tier = Budgets(0, 0, new TierBudget { Period = "day", Requests = 2 });
        var ci = new ApiKeyLimits { Requests = 5, Budgets = [new TierBudget { Period = "month", Requests = 10 }] };

        Assert.True((await counter.AcquireWithKeyAsync(Alice, tier, CiKey, ci, 0, default)).Allowed);
        Assert.True((await counter.AcquireWithKeyAsync(Alice, tier, CiKey, ci, 0, default)).Allowed);
        var refused = await counter.AcquireWithKeyAsync(Alice, tier, CiKey, ci, 0, default);

        Assert.False(refused.Allowed);
        Assert.Equal("requests-day", refused.RefusingBudget!.Name);
        Assert.Equal(2, Budget(refused, "key-requests-month").State.Used);
        Assert.Equal(2, Budget(refused, "key-requests-2m0s").State.Used);
    }

    [Fact]
    public async Task A_call_refused_by_the_tier_counts_against_none_of_the_keys_limits()
    {
        var counter = await CreateCounterAsync(TimeZoneInfo.Utc);
        var tier = Limits(1, 0);
        var ci = new ApiKeyLimits { Budgets = [new TierBudget { Period = "day", Requests = 100, Tokens = 1000 }] };

        Assert.True((await counter.AcquireWithKeyAsync(Alice, tier, CiKey, ci, 7, default)).Allowed);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(LimitKind.Requests, (await counter.AcquireWithKeyAsync(Alice, tier, CiKey, ci, 7, default)).RefusedBy);
        }

        var reading = await counter.ReadWithKeyAsync(Alice, tier, CiKey, ci, default);
        Assert.Equal(1, reading.Budgets.Single(b => b.Rule.Name == "key-requests-day").State.Used);
        Assert.Equal(7, reading.Budgets.Single(b => b.Rule.Name == "key-tokens-day").State.Used);
    }
}
