using Maas.ApiKeys;

namespace Maas.Storage.SpecificationTests;

/// <summary>Ephemeral keys on every store: the flag kept, left out of searches unless asked for, swept after expiry.</summary>
public abstract partial class KeyStoreConformanceTests
{
    [Fact]
    public async Task Ephemeral_flag_round_trips_on_every_read_and_an_ordinary_key_is_not_ephemeral()
    {
        var store = await CreateStoreAsync();
        var ephemeral = TestKeys.Create("alice", lifetime: TimeSpan.FromHours(1)) with { Ephemeral = true };
        var ordinary = TestKeys.Create("alice");
        await store.AddAsync(ephemeral);
        await store.AddAsync(ordinary);

        AssertSameRecord(ephemeral, await store.GetAsync("alice", ephemeral.Id));
        AssertSameRecord(ephemeral, await store.FindByHashAsync(ephemeral.Hash));
        AssertSameRecord(ephemeral, await AdministrationOf(store).FindByIdAsync(ephemeral.Id));
        Assert.False((await store.GetAsync("alice", ordinary.Id))!.Ephemeral);
        Assert.Equal([true, false], (await store.ListAsync("alice").ToListAsync()).OrderBy(k => k.Id == ordinary.Id).Select(k => k.Ephemeral));
    }

    [Fact]
    public async Task Search_leaves_ephemeral_keys_out_unless_asked_for_them()
    {
        var store = await CreateStoreAsync();
        var ephemeral = TestKeys.Create("alice", lifetime: TimeSpan.FromHours(1)) with { Ephemeral = true };
        var ordinary = TestKeys.Create("alice");
        var othersEphemeral = TestKeys.Create("bob", lifetime: TimeSpan.FromHours(1)) with { Ephemeral = true };
        await store.AddAsync(ephemeral);
        await store.AddAsync(ordinary);
        await store.AddAsync(othersEphemeral);

        Assert.Equal([ordinary.Id], (await SearchAllAsync(store, Search("alice"))).Select(k => k.Id));
        Assert.Equal([ordinary.Id], (await SearchAllAsync(store, Search(null))).Select(k => k.Id));
        Assert.Equal(
            new[] { ephemeral.Id, ordinary.Id }.Order(StringComparer.Ordinal),
            (await SearchAllAsync(store, Search("alice") with { IncludeEphemeral = true })).Select(k => k.Id).Order(StringComparer.Ordinal));
        Assert.Equal(3, (await SearchAllAsync(store, Search(null) with { IncludeEphemeral = true })).Count);
    }

    [Fact]
    public async Task Sweep_deletes_only_ephemeral_keys_that_expired_before_the_instant_revoked_or_not()
    {
        var store = await CreateStoreAsync();
        var cutoff = TestKeys.Epoch.AddHours(2);
        var expired = TestKeys.Create("alice", lifetime: TimeSpan.FromHours(1)) with { Ephemeral = true };
        var expiredRevoked = TestKeys.Create("bob", lifetime: TimeSpan.FromHours(1)) with { Ephemeral = true };
        var expiresAtTheCutoff = TestKeys.Create("alice", lifetime: TimeSpan.FromHours(2)) with { Ephemeral = true };
        var live = TestKeys.Create("alice", lifetime: TimeSpan.FromHours(3)) with { Ephemeral = true };
        var ordinaryExpired = TestKeys.Create("alice", lifetime: TimeSpan.FromMinutes(5));
        foreach (var key in new[] { expired, expiredRevoked, expiresAtTheCutoff, live, ordinaryExpired })
        {
            await store.AddAsync(key);
        }

        await store.RevokeAsync("bob", expiredRevoked.Id, TestKeys.Epoch.AddMinutes(1));

        Assert.Equal(2, await EphemeralOf(store).DeleteExpiredEphemeralAsync(cutoff, 100));

        Assert.Null(await store.GetAsync("alice", expired.Id));
        Assert.Null(await store.FindByHashAsync(expired.Hash));
        Assert.Null(await AdministrationOf(store).FindByIdAsync(expiredRevoked.Id));
        Assert.Equal(
            new[] { expiresAtTheCutoff.Id, live.Id, ordinaryExpired.Id }.Order(StringComparer.Ordinal),
            (await store.ListAsync("alice").ToListAsync()).Select(k => k.Id).Order(StringComparer.Ordinal));
        Assert.Empty(await store.ListAsync("bob").ToListAsync());
        Assert.Equal(0, await EphemeralOf(store).DeleteExpiredEphemeralAsync(cutoff, 100));

        // Searches asking for ephemeral keys find what had not expired before the cutoff, and nothing deleted.
        Assert.Equal(
            new[] { expiresAtTheCutoff.Id, live.Id }.Order(StringComparer.Ordinal),
            (await SearchAllAsync(store, Search(null) with { IncludeEphemeral = true })).Where(k => k.Ephemeral).Select(k => k.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Sweep_deletes_at_most_the_limit_the_longest_expired_first()
    {
        var store = await CreateStoreAsync();
        var keys = Enumerable.Range(1, 5)
            .Select(i => TestKeys.Create("alice", lifetime: TimeSpan.FromMinutes(10 * i)) with { Ephemeral = true })
            .ToList();
        foreach (var key in keys.AsEnumerable().Reverse())
        {
            await store.AddAsync(key);
        }

        var sweep = EphemeralOf(store);
        var cutoff = TestKeys.Epoch.AddDays(1);

        Assert.Equal(2, await sweep.DeleteExpiredEphemeralAsync(cutoff, 2));
        Assert.Equal(
            keys.Skip(2).Select(k => k.Id).Order(StringComparer.Ordinal),
            (await store.ListAsync("alice").ToListAsync()).Select(k => k.Id).Order(StringComparer.Ordinal));
        Assert.Equal(2, await sweep.DeleteExpiredEphemeralAsync(cutoff, 2));
        Assert.Equal(1, await sweep.DeleteExpiredEphemeralAsync(cutoff, 2));
        Assert.Equal(0, await sweep.DeleteExpiredEphemeralAsync(cutoff, 2));
    }
}
