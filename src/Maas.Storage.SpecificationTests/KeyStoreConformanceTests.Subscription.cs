using Maas.ApiKeys;

namespace Maas.Storage.SpecificationTests;

/// <summary>A key's subscription on every store: kept on every read and through rotation, searched by exactly.</summary>
public abstract partial class KeyStoreConformanceTests
{
    [Fact]
    public async Task Subscription_round_trips_on_every_read_and_a_key_without_has_none()
    {
        var store = await CreateStoreAsync();
        var bound = TestKeys.Create("alice") with { Subscription = "premium" };
        var unbound = TestKeys.Create("alice");
        await store.AddAsync(bound);
        await store.AddAsync(unbound);

        Assert.Equal("premium", (await store.GetAsync("alice", bound.Id))?.Subscription);
        Assert.Equal("premium", (await store.FindByHashAsync(bound.Hash))?.Subscription);
        Assert.Equal("premium", (await AdministrationOf(store).FindByIdAsync(bound.Id))?.Subscription);
        Assert.Null((await store.GetAsync("alice", unbound.Id))!.Subscription);
        Assert.Equal(["premium", null], (await store.ListAsync("alice").ToListAsync()).OrderBy(k => k.Id == unbound.Id).Select(k => k.Subscription));
    }

    [Fact]
    public async Task Rotation_carries_the_subscription_to_the_replacement()
    {
        var store = await CreateStoreAsync();
        var old = TestKeys.Create("alice") with { Subscription = "enterprise" };
        await store.AddAsync(old);

        var rotation = Rotation(old, TestKeys.Epoch.AddHours(1), TimeSpan.FromHours(1));
        var result = await store.RotateAsync(rotation);

        Assert.Equal(KeyRotationOutcome.Rotated, result.Outcome);
        Assert.Equal("enterprise", (await store.GetAsync("alice", rotation.Replacement.Id))?.Subscription);
    }

    [Fact]
    public async Task Search_by_subscription_finds_exactly_the_keys_bound_to_it_with_the_other_filters()
    {
        var store = await CreateStoreAsync();
        var alicePremium = TestKeys.Create("alice") with { Subscription = "premium" };
        var aliceRevokedPremium = TestKeys.Create("alice", createdAt: TestKeys.Epoch.AddSeconds(-1)) with { Subscription = "premium" };
        var aliceFree = TestKeys.Create("alice") with { Subscription = "free" };
        var aliceNone = TestKeys.Create("alice");
        var bobPremium = TestKeys.Create("bob") with { Subscription = "premium" };
        var bobPremiumEphemeral = TestKeys.Create("bob", lifetime: TimeSpan.FromHours(1)) with { Subscription = "premium", Ephemeral = true };
        var caseDiffers = TestKeys.Create("bob") with { Subscription = "Premium" };
        foreach (var key in new[] { alicePremium, aliceRevokedPremium, aliceFree, aliceNone, bobPremium, bobPremiumEphemeral, caseDiffers })
        {
            await store.AddAsync(key);
        }

        await store.RevokeAsync("alice", aliceRevokedPremium.Id, TestKeys.Epoch.AddMinutes(-1));

        static string[] Ids(IEnumerable<ApiKeyRecord> keys) => [.. keys.Select(k => k.Id).Order(StringComparer.Ordinal)];

        Assert.Equal(
            Ids([alicePremium, aliceRevokedPremium, bobPremium]),
            Ids(await SearchAllAsync(store, Search(null) with { Subscription = "premium" })));
        Assert.Equal(
            Ids([alicePremium, aliceRevokedPremium]),
            Ids(await SearchAllAsync(store, Search("alice") with { Subscription = "premium" })));
        Assert.Equal(
            Ids([alicePremium]),
            Ids(await SearchAllAsync(store, Search("alice") with { Subscription = "premium", Statuses = [ApiKeyStatus.Active] })));
        Assert.Equal(
            Ids([bobPremium, bobPremiumEphemeral]),
            Ids(await SearchAllAsync(store, Search("bob") with { Subscription = "premium", IncludeEphemeral = true })));
        Assert.Equal(Ids([aliceFree]), Ids(await SearchAllAsync(store, Search(null) with { Subscription = "free" })));
        Assert.Empty(await SearchAllAsync(store, Search(null) with { Subscription = "enterprise" }));
        Assert.Equal(7 - 1, (await SearchAllAsync(store, Search(null))).Count);
    }
}
