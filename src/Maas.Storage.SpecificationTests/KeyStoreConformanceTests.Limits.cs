using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Tiers;

namespace Maas.Storage.SpecificationTests;

/// <summary>A key's own limits (<see cref="ApiKeyRecord.Limits"/>): kept as added, read back by every read, carried by rotation.</summary>
public abstract partial class KeyStoreConformanceTests
{
    private static ApiKeyLimits SampleLimits() => new()
    {
        Requests = 7,
        TokensPerMinute = 1_234,
        Budgets =
        [
            new TierBudget { Period = "month", Tokens = TierBudget.MaxAmount, Requests = 0 },
            new TierBudget { Period = "12h0m0s", Tokens = 0, Requests = 40 },
        ],
    };

    [Fact]
    public async Task A_keys_own_limits_read_back_from_get_list_and_find_by_hash()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice") with { Limits = SampleLimits() };
        var plain = TestKeys.Create("alice");

        await store.AddAsync(key);
        await store.AddAsync(plain);

        AssertSameLimits(key.Limits, (await store.GetAsync("alice", key.Id))!.Limits);
        AssertSameLimits(key.Limits, (await store.FindByHashAsync(key.Hash))!.Limits);
        var listed = await ListAsync(store, "alice");
        AssertSameLimits(key.Limits, listed.Single(k => k.Id == key.Id).Limits);
        Assert.Null(listed.Single(k => k.Id == plain.Id).Limits);
        Assert.Null((await store.GetAsync("alice", plain.Id))!.Limits);
    }

    [Fact]
    public async Task A_keys_own_limits_are_kept_as_added_not_as_the_caller_later_changes_them()
    {
        var store = await CreateStoreAsync();
        var limits = SampleLimits();
        var key = TestKeys.Create("alice") with { Limits = limits };
        await store.AddAsync(key);

        limits.Budgets[0].Tokens = 1;

        Assert.Equal(TierBudget.MaxAmount, (await store.GetAsync("alice", key.Id))!.Limits!.Budgets[0].Tokens);
    }

    [Fact]
    public async Task Rotation_keeps_the_keys_own_limits_on_its_replacement()
    {
        var store = await CreateStoreAsync();
        var old = TestKeys.Create("alice") with { Limits = SampleLimits() };
        await store.AddAsync(old);
        var rotation = Rotation(old, TestKeys.Epoch.AddHours(1), TimeSpan.Zero);

        await store.RotateAsync(rotation);

        AssertSameLimits(old.Limits, (await store.GetAsync("alice", rotation.Replacement.Id))!.Limits);
    }

    [Fact]
    public async Task Set_limits_changes_every_read_of_the_key_and_appends_its_entry_with_the_detail()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice") with { Limits = SampleLimits() };
        await store.AddAsync(key);
        var entry = LimitsEntry(key.Id, """{"old":{"requests":7},"new":{"requests":2}}""");

        var before = await LimitsOf(store).SetLimitsAsync(key.Id, new ApiKeyLimits { Requests = 2 }, entry);

        AssertSameLimits(key.Limits, before!.Limits);
        var changed = new ApiKeyLimits { Requests = 2 };
        AssertSameLimits(changed, (await store.GetAsync("alice", key.Id))!.Limits);
        AssertSameLimits(changed, (await store.FindByHashAsync(key.Hash))!.Limits);
        var logged = Assert.Single(await ReadTrailAsync(store));
        Assert.Equal(AuditAction.SetLimits, logged.Action);
        Assert.Equal(key.Id, logged.KeyId);
        Assert.Equal("root", logged.Actor);
        Assert.Equal(entry.Detail, logged.Detail);

        await LimitsOf(store).SetLimitsAsync(key.Id, null, LimitsEntry(key.Id, null));

        Assert.Null((await store.GetAsync("alice", key.Id))!.Limits);
        Assert.Equal(2, (await ReadTrailAsync(store)).Count);
    }

    [Fact]
    public async Task Set_limits_of_an_unknown_key_changes_nothing_and_appends_nothing()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice");
        await store.AddAsync(key);

        Assert.Null(await LimitsOf(store).SetLimitsAsync("no-such-key", SampleLimits(), LimitsEntry("no-such-key", "{}")));

        Assert.Null((await store.GetAsync("alice", key.Id))!.Limits);
        Assert.Empty(await ReadTrailAsync(store));
    }

    /// <summary>Gets the store's <see cref="IKeyLimitsStore"/> capability.</summary>
    protected static IKeyLimitsStore LimitsOf(IKeyStore store) => Capability<IKeyLimitsStore>(store);

    private static AuditEntry LimitsEntry(string keyId, string? detail) => new()
    {
        At = TestKeys.Epoch.AddHours(1),
        Action = AuditAction.SetLimits,
        Actor = "root",
        Subject = "alice",
        KeyId = keyId,
        Detail = detail,
    };

    /// <summary>Asserts that stored limits equal what was added, field by field.</summary>
    protected static void AssertSameLimits(ApiKeyLimits? expected, ApiKeyLimits? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }

        Assert.NotNull(actual);
        Assert.Equal(expected.Requests, actual.Requests);
        Assert.Equal(expected.TokensPerMinute, actual.TokensPerMinute);
        Assert.Equal(
            expected.Budgets.Select(b => (b.Period, b.Tokens, b.Requests)),
            actual.Budgets.Select(b => (b.Period, b.Tokens, b.Requests)));
    }
}
