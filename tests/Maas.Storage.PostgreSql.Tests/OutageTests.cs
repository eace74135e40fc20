using Maas.ApiKeys;
using Maas.Revocation;
using Maas.Testing;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>The database restarts under a running store: requests fail as unavailable, then recover by themselves.</summary>
[Collection(ServerCollectionDefinition.Name)]
public sealed class OutageTests(PostgreSqlServer server)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Store_is_unavailable_while_the_server_is_down_and_recovers_with_nothing_lost()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var store = await database.CreateInitializedStoreAsync();
        var signal = new RevocationSignal();
        await database.StartListenerAsync(signal);
        var before = TestKeys.Create("alice");
        await store.AddAsync(before);
        var resynchronized = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = signal.Subscribe(e =>
        {
            if (e.Resynchronize)
            {
                resynchronized.TrySetResult();
            }
        });

        await server.StopAsync();
        try
        {
            await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.GetAsync("alice", before.Id));
            await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.AddAsync(TestKeys.Create("alice")));
            await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.RevokeAllAsync("alice", TestKeys.Epoch));
            var listing = await Assert.ThrowsAsync<StoreUnavailableException>(async () =>
            {
                await foreach (var unused in store.ListAsync("alice"))
                {
                }
            });
            Assert.DoesNotContain(server.Password, listing.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            await server.StartAsync();
        }

        // No retry loop: the pool dropped its dead connections, so the first request gets a fresh one.
        Assert.Equal(before.Id, (await store.GetAsync("alice", before.Id))!.Id);
        var after = TestKeys.Create("alice", TestKeys.Epoch.AddSeconds(1));
        await store.AddAsync(after);
        Assert.Equal([after.Id, before.Id], (await ListAsync(store, "alice")).Select(k => k.Id));

        // The listener came back too, and told caches to resynchronize.
        await resynchronized.Task.WaitAsync(Patience);
    }

    private static async Task<List<ApiKeyRecord>> ListAsync(PostgreSqlKeyStore store, string owner)
    {
        var result = new List<ApiKeyRecord>();
        await foreach (var key in store.ListAsync(owner))
        {
            result.Add(key);
        }

        return result;
    }
}
