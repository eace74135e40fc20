using Maas.ApiKeys;
using Maas.Storage.InMemory;
using Maas.Testing;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.Tests.InMemory;

public sealed class InMemoryKeyStoreTests
{
    [Fact]
    public async Task Instants_are_kept_to_the_tick()
    {
        var store = new InMemoryKeyStore();
        var key = TestKeys.Create("alice", TestKeys.Epoch.AddTicks(3));
        await store.AddAsync(key);

        Assert.Equal(key.CreatedAt, (await store.GetAsync("alice", key.Id))!.CreatedAt);
    }

    [Fact]
    public async Task Returned_hashes_are_copies()
    {
        var store = new InMemoryKeyStore();
        var key = TestKeys.Create("alice");
        await store.AddAsync(key);

        var found = await store.GetAsync("alice", key.Id);
        found!.Hash[0] ^= 0xFF;

        Assert.NotNull(await store.FindByHashAsync(key.Hash));
    }

    [Fact]
    public async Task Add_rejects_null()
    {
        var store = new InMemoryKeyStore();

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.AddAsync(null!));
    }
}
