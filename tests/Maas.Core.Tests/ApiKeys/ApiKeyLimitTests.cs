using Maas.ApiKeys;
using Maas.Errors;
using Maas.Tiers;
using Maas.Users;
using Maas.Validation;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Core.Tests.ApiKeys;

/// <summary>A key's own limits at creation: bounded, never above its owner's tier's, carried to validation.</summary>
public sealed class ApiKeyLimitTests : IDisposable
{
    private static readonly MaasUser Alice = new("alice", ["system:authenticated"]);
    private static readonly MaasUser Root = new("root", ["system:authenticated", "maas-admins"]);
    private readonly ServiceProvider _services;
    private readonly ApiKeyService _keys;

    public ApiKeyLimitTests()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMaasCore().UseInMemoryStorage();
        services.Configure<MaasOptions>(o => o.Admins.Groups.Add("maas-admins"));
        services.Configure<MaasOptions>(o => o.Tiers.Add(new Tier
        {
            Name = "metered",
            Groups = ["system:authenticated"],
            Limits = new TierLimits
            {
                Requests = 5,
                TokensPerMinute = 100,
                Budgets = [new TierBudget { Period = "month", Tokens = 1000, Requests = 50 }],
            },
        }));
        _services = services.BuildServiceProvider();
        _keys = _services.GetRequiredService<ApiKeyService>();
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task Limits_at_or_below_the_tiers_are_kept_and_reach_the_keys_validation()
    {
        var created = await _keys.CreateAsync(Alice, new ApiKeyRequest
        {
            Name = "ci",
            Limits = new ApiKeyLimits
            {
                Requests = 5,
                TokensPerMinute = 10,
                Budgets = [new TierBudget { Period = "MONTH", Tokens = 1000 }, new TierBudget { Period = "day", Requests = 7 }],
            },
        });

        var limits = created.Record.Limits!;
        Assert.Equal(5, limits.Requests);
        Assert.Equal(10, limits.TokensPerMinute);
        Assert.Equal([("month", 1000L, 0L), ("day", 0L, 7L)], limits.Budgets.Select(b => (b.Period, b.Tokens, b.Requests)));

        var validation = await _services.GetRequiredService<CredentialValidationService>().ValidateAsync(created.Key);
        Assert.True(validation.IsValid);
        Assert.Equal(1000, validation.KeyLimits!.Budgets[0].Tokens);
    }

    [Fact]
    public async Task Limits_of_zero_or_none_leave_the_key_without_its_own()
    {
        var none = await _keys.CreateAsync(Alice, new ApiKeyRequest { Name = "a" });
        var zero = await _keys.CreateAsync(Alice, new ApiKeyRequest { Name = "b", Limits = new ApiKeyLimits() });

        Assert.Null(none.Record.Limits);
        Assert.Null(zero.Record.Limits);
        Assert.Null((await _services.GetRequiredService<CredentialValidationService>().ValidateAsync(zero.Key)).KeyLimits);
    }

    private static readonly Dictionary<string, (ApiKeyLimits Limits, string Field)> RefusedCases = new()
    {
        ["requests above the tier's"] = (new ApiKeyLimits { Requests = 6 }, "limits.requests"),
        ["tokens per minute above the tier's"] = (new ApiKeyLimits { TokensPerMinute = 101 }, "limits.tokensPerMinute"),
        ["negative requests"] = (new ApiKeyLimits { Requests = -1 }, "limits.requests"),
        ["negative tokens per minute"] = (new ApiKeyLimits { TokensPerMinute = long.MinValue }, "limits.tokensPerMinute"),
        ["monthly tokens above the tier's"] = (new ApiKeyLimits { Budgets = [new TierBudget { Period = "month", Tokens = 1001 }] }, "limits.budgets[0].tokens"),
        ["monthly requests above the tier's"] = (new ApiKeyLimits { Budgets = [new TierBudget { Period = "month", Requests = 51 }] }, "limits.budgets[0].requests"),
        ["tokens above 2^50"] = (new ApiKeyLimits { Budgets = [new TierBudget { Period = "week", Tokens = TierBudget.MaxAmount + 1 }] }, "limits.budgets[0].tokens"),
        ["negative tokens"] = (new ApiKeyLimits { Budgets = [new TierBudget { Period = "week", Tokens = -5 }] }, "limits.budgets[0].tokens"),
        ["unknown period"] = (new ApiKeyLimits { Budgets = [new TierBudget { Period = "fortnight", Tokens = 1 }] }, "limits.budgets[0].period"),
        ["zero period"] = (new ApiKeyLimits { Budgets = [new TierBudget { Period = "0s", Tokens = 1 }] }, "limits.budgets[0].period"),
        ["a period twice"] = (new ApiKeyLimits { Budgets = [new TierBudget { Period = "day", Tokens = 1 }, new TierBudget { Period = "Day", Requests = 1 }] }, "limits.budgets[1].period"),
        ["a budget of nothing"] = (new ApiKeyLimits { Budgets = [new TierBudget { Period = "day" }] }, "limits.budgets[0]"),
        ["a null budget"] = (new ApiKeyLimits { Budgets = [null!] }, "limits.budgets[0]"),
        ["nine budgets"] = (new ApiKeyLimits { Budgets = [.. Enumerable.Range(1, 9).Select(h => new TierBudget { Period = $"{h}h", Tokens = 1 })] }, "limits.budgets"),
    };

    public static TheoryData<string> Refused => [.. RefusedCases.Keys];

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_limit_above_the_tiers_or_out_of_bounds_is_refused_naming_the_field(string refused)
    {
        var (limits, field) = RefusedCases[refused];
        var error = await Assert.ThrowsAsync<InvalidRequestException>(async () => await _keys.CreateAsync(Alice, new ApiKeyRequest { Name = "k", Limits = limits }));

        Assert.Equal(field, error.Field);
        Assert.Empty(await _keys.ListAsync(Alice));
    }

    [Fact]
    public async Task A_limit_on_a_period_the_tier_does_not_budget_only_tightens_and_is_allowed()
    {
        var created = await _keys.CreateAsync(Alice, new ApiKeyRequest
        {
            Name = "k",
            Limits = new ApiKeyLimits { Budgets = [new TierBudget { Period = "week", Tokens = TierBudget.MaxAmount, Requests = 3 }] },
        });

        Assert.Equal("week", Assert.Single(created.Record.Limits!.Budgets).Period);
    }

    [Fact]
    public async Task An_administrators_change_reaches_the_keys_cached_validation_at_once_and_the_owner_may_not_change_it()
    {
        var created = await _keys.CreateAsync(Alice, new ApiKeyRequest { Name = "ci", Limits = new ApiKeyLimits { Requests = 3 } });
        var credentials = _services.GetRequiredService<CredentialValidationService>();
        Assert.Equal(3, (await credentials.ValidateAsync(created.Key)).KeyLimits!.Requests);
        Assert.Equal(3, (await credentials.ValidateAsync(created.Key)).KeyLimits!.Requests);

        await Assert.ThrowsAsync<AdministratorRequiredException>(async () =>
            await _keys.SetLimitsAsync(Alice, created.Record.Id, new ApiKeyLimits { Requests = 5 }));
        var changed = await _keys.SetLimitsAsync(Root, created.Record.Id, new ApiKeyLimits { Requests = 1 });

        Assert.Equal(1, changed!.Limits!.Requests);
        Assert.Equal(1, (await credentials.ValidateAsync(created.Key)).KeyLimits!.Requests);
        Assert.Null(await _keys.SetLimitsAsync(Root, "no-such-key", null));
        Assert.Equal("limits.requests", (await Assert.ThrowsAsync<InvalidRequestException>(async () =>
            await _keys.SetLimitsAsync(Root, created.Record.Id, new ApiKeyLimits { Requests = 6 }))).Field);

        await _keys.SetLimitsAsync(Root, created.Record.Id, null);
        Assert.Null((await credentials.ValidateAsync(created.Key)).KeyLimits);
    }
}
