using System.Collections.Concurrent;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Revocation;
using Maas.Testing;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>The database restarts under a running store: requests fail as unavailable, then recover by themselves.</summary>
[Collection(RestartedServerCollectionDefinition.Name)]
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

    [Fact]
    public async Task Creates_while_the_server_stops_are_refused_as_unavailable_and_leave_every_stored_key_with_its_creation_entry()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var store = await database.CreateInitializedStoreAsync();
        const int Writers = 8;
        var acknowledged = new ConcurrentBag<ApiKeyRecord>();
        var failures = new ConcurrentBag<Exception>();
        var createdBefore = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refusedDuring = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stopCreating = new CancellationTokenSource();

        async Task CreateUntilToldAsync(int writer)
        {
            while (!stopCreating.IsCancellationRequested)
            {
                var key = TestKeys.Create($"owner-{writer}");
                try
                {
                    await store.AddAsync(key, Creation(key));
                    acknowledged.Add(key);
                    if (acknowledged.Count >= 100)
                    {
                        createdBefore.TrySetResult();
                    }
                }
                catch (Exception ex)
                {
                    failures.Add(ex);
                    if (failures.Count >= Writers * 4)
                    {
                        refusedDuring.TrySetResult();
                    }
                }
            }
        }

        var writers = Enumerable.Range(0, Writers).Select(i => Task.Run(() => CreateUntilToldAsync(i))).ToArray();
        try
        {
            // Stopped (sessions terminated) while every writer has a create in flight.
            await createdBefore.Task.WaitAsync(Patience);
            await server.StopAsync();
            await refusedDuring.Task.WaitAsync(Patience);
        }
        finally
        {
            await stopCreating.CancelAsync();
            await Task.WhenAll(writers);
            await server.StartAsync();
        }

        Assert.All(failures, f => Assert.IsType<StoreUnavailableException>(f));
        foreach (var key in acknowledged)
        {
            Assert.Equal(key.Owner, (await store.FindByHashAsync(key.Hash))?.Owner);
        }

        // A create whose answer was lost with the connection may have committed: then with its entry.
        Assert.Equal(0L, await database.ExecuteScalarAsync(
            "SELECT count(*) FROM api_keys k WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.key_id = k.id AND a.action = 'create')"));
        Assert.Equal(0L, await database.ExecuteScalarAsync(
            "SELECT count(*) FROM audit_log a WHERE NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.id = a.key_id)"));
        Assert.True((long)(await database.ExecuteScalarAsync("SELECT count(*) FROM api_keys"))! >= acknowledged.Count);
    }

    private static AuditEntry Creation(ApiKeyRecord key) => new()
    {
        At = key.CreatedAt,
        Action = AuditAction.Create,
        Actor = key.Owner,
        Subject = key.Owner,
        KeyId = key.Id,
    };

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
