using Maas.ApiKeys;
using Maas.Revocation;
using Maas.Testing;
using Npgsql;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.PostgreSql.Tests;

public sealed class RevocationListenerTests(PostgreSqlServer server)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_revocation_on_replica_A_is_published_on_replica_B()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var storeA = await database.CreateInitializedStoreAsync();
        var signalB = new RevocationSignal();
        await database.StartListenerAsync(signalB);
        var key = TestKeys.Create("alice");
        await storeA.AddAsync(key);
        var received = Expect(signalB, e => e.KeyId == key.Id);

        Assert.True(await storeA.RevokeAsync("alice", key.Id, TestKeys.Epoch));

        var revocation = await received.WaitAsync(Patience);
        Assert.Equal("alice", revocation.Owner);
        Assert.Null(revocation.RevokedBefore);
        Assert.False(revocation.Resynchronize);
    }

    [Fact]
    public async Task A_key_created_on_replica_A_is_announced_on_replica_B_by_its_hash_only_once_committed()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var storeA = await database.CreateInitializedStoreAsync();
        var creationsB = new KeyCreationSignal();
        await database.StartListenerAsync(new RevocationSignal(), creationsB);
        var announced = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var hashes = new List<string>();
        using var subscription = creationsB.Subscribe(hash =>
        {
            lock (hashes)
            {
                hashes.Add(Convert.ToHexString(hash.Span));
            }

            announced.TrySetResult(hash.ToArray());
        });
        var key = TestKeys.Create("alice");

        // A duplicate fails and rolls back: it announces nothing.
        await storeA.AddAsync(key);
        await Assert.ThrowsAsync<Maas.ApiKeys.DuplicateKeyException>(async () => await storeA.AddAsync(key with { Id = TestKeys.NewId() }));

        Assert.Equal(key.Hash, await announced.Task.WaitAsync(Patience));
        var marker = TestKeys.Create("marker");
        var markerSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var markerSubscription = creationsB.Subscribe(hash =>
        {
            if (hash.Span.SequenceEqual(marker.Hash))
            {
                markerSeen.TrySetResult();
            }
        });
        await storeA.AddAsync(marker); // notifications arrive in commit order
        await markerSeen.Task.WaitAsync(Patience);
        lock (hashes)
        {
            Assert.Equal([Convert.ToHexString(key.Hash), Convert.ToHexString(marker.Hash)], hashes);
        }
    }

    [Fact]
    public async Task A_revoke_all_on_replica_A_is_published_on_replica_B_with_the_effective_instant()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var storeA = await database.CreateInitializedStoreAsync();
        var signalB = new RevocationSignal();
        await database.StartListenerAsync(signalB);
        var later = TestKeys.Epoch.AddHours(1);
        var first = Expect(signalB, e => e.Owner == "bob");
        await storeA.RevokeAllAsync("bob", later);
        Assert.Equal(later, (await first.WaitAsync(Patience)).RevokedBefore);
        var second = Expect(signalB, e => e.Owner == "bob");

        await storeA.RevokeAllAsync("bob", TestKeys.Epoch); // earlier: the instant does not move back

        var revocation = await second.WaitAsync(Patience);
        Assert.Equal(later, revocation.RevokedBefore);
        Assert.Null(revocation.KeyId);
        Assert.False(revocation.Resynchronize);
    }

    [Fact]
    public async Task Revoking_an_unknown_key_publishes_nothing()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var storeA = await database.CreateInitializedStoreAsync();
        var signalB = new RevocationSignal();
        await database.StartListenerAsync(signalB);
        var events = new List<RevocationEvent>();
        using var subscription = signalB.Subscribe(e => { lock (events) { events.Add(e); } });

        var marker = Expect(signalB, e => e.Owner == "marker");

        Assert.False(await storeA.RevokeAsync("alice", "missing", TestKeys.Epoch));
        await storeA.RevokeAllAsync("marker", TestKeys.Epoch); // notifications arrive in commit order

        await marker.WaitAsync(Patience);
        lock (events)
        {
            Assert.DoesNotContain(events, e => e.Owner == "alice");
        }
    }

    [Fact]
    public async Task A_dropped_listener_reconnects_resynchronizes_and_receives_again()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var storeA = await database.CreateInitializedStoreAsync();
        var signalB = new RevocationSignal();
        var listener = await database.StartListenerAsync(signalB);
        var firstBackend = listener.BackendProcessId;
        Assert.NotNull(firstBackend);
        var resynchronized = Expect(signalB, e => e.Resynchronize);

        Assert.Equal(true, await database.ExecuteScalarAsync($"SELECT pg_terminate_backend({firstBackend})"));

        var resync = await resynchronized.WaitAsync(Patience);
        Assert.Equal(string.Empty, resync.Owner);
        Assert.NotEqual(firstBackend, listener.BackendProcessId);

        var key = TestKeys.Create("carol");
        await storeA.AddAsync(key);
        var received = Expect(signalB, e => e.KeyId == key.Id);
        await storeA.RevokeAsync("carol", key.Id, TestKeys.Epoch);
        Assert.Equal("carol", (await received.WaitAsync(Patience)).Owner);
    }

    [Fact]
    public async Task A_silently_hung_listening_connection_is_replaced_resynchronized_and_misses_no_revocation()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var storeA = await database.CreateInitializedStoreAsync();
        await using var relay = new TcpRelay(server.Host, server.Port);
        var options = new PostgreSqlStorageOptions
        {
            ConnectionUrl = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Port = relay.Port }.ConnectionString,
            ListenerPingInterval = TimeSpan.FromSeconds(1),
            ListenerPingTimeout = TimeSpan.FromSeconds(1),
        };
        var signalB = new RevocationSignal();
        var listener = await database.StartListenerAsync(signalB, options: options);
        var firstBackend = listener.BackendProcessId;
        Assert.NotNull(firstBackend);
        var duringHang = TestKeys.Create("erin");
        await storeA.AddAsync(duringHang);
        var revokeStarted = false;

        // Reaches the subscriber either as its own event or as a resynchronization published after
        // it was committed (its notification was lost in the hung connection).
        var revocationCovered = Expect(signalB, e => e.KeyId == duringHang.Id || (e.Resynchronize && Volatile.Read(ref revokeStarted)));
        var resynchronized = Expect(signalB, e => e.Resynchronize);

        // No error, no close: the connection just goes silent. Npgsql's own timeouts (30 s command
        // timeout, then the cancel request) would take longer than Patience; the 1 s + 1 s ping bound does not.
        relay.BlackHoleOpenConnections();
        Volatile.Write(ref revokeStarted, true);
        Assert.True(await storeA.RevokeAsync("erin", duringHang.Id, TestKeys.Epoch));

        Assert.Equal(string.Empty, (await resynchronized.WaitAsync(Patience)).Owner);
        await revocationCovered.WaitAsync(Patience);
        Assert.NotNull(listener.BackendProcessId);
        Assert.NotEqual(firstBackend, listener.BackendProcessId);

        // The replacement connection (through the relay, which forwards new connections) receives again.
        var afterHang = TestKeys.Create("frank");
        await storeA.AddAsync(afterHang);
        var received = Expect(signalB, e => e.KeyId == afterHang.Id);
        Assert.True(await storeA.RevokeAsync("frank", afterHang.Id, TestKeys.Epoch));
        Assert.Equal("frank", (await received.WaitAsync(Patience)).Owner);
    }

    [Theory]
    [InlineData(0, 3000, "ListenerPingInterval")]
    [InlineData(-1000, 3000, "ListenerPingInterval")]
    [InlineData(5000, 0, "ListenerPingTimeout")]
    [InlineData(5000, -1, "ListenerPingTimeout")]
    public void A_non_positive_listener_ping_bound_is_refused_at_start(int intervalMilliseconds, int timeoutMilliseconds, string option)
    {
        var result = new PostgreSqlStorageOptionsValidator().Validate(null, new PostgreSqlStorageOptions
        {
            ConnectionUrl = "postgresql://u:p@127.0.0.1/db",
            ListenerPingInterval = TimeSpan.FromMilliseconds(intervalMilliseconds),
            ListenerPingTimeout = TimeSpan.FromMilliseconds(timeoutMilliseconds),
        });

        Assert.Contains("Maas:Storage:PostgreSql:" + option + ": The field", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void The_listener_ping_bounds_default_to_5_s_of_silence_and_3_s_for_the_answer()
    {
        var options = new PostgreSqlStorageOptions();

        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(3)), (options.ListenerPingInterval, options.ListenerPingTimeout));
    }

    [Fact]
    public async Task Stopping_the_listener_stops_publishing()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var storeA = await database.CreateInitializedStoreAsync();
        var signalB = new RevocationSignal();
        var listener = await database.StartListenerAsync(signalB);
        var signalC = new RevocationSignal();
        await database.StartListenerAsync(signalC);
        var events = 0;
        using var subscription = signalB.Subscribe(_ => Interlocked.Increment(ref events));

        await listener.StopAsync(CancellationToken.None);
        Assert.Null(listener.BackendProcessId);
        var seenByC = Expect(signalC, e => e.Owner == "dave");
        await storeA.RevokeAllAsync("dave", TestKeys.Epoch);
        await seenByC.WaitAsync(Patience);

        Assert.Equal(0, Volatile.Read(ref events));
    }

    [Fact]
    public void Payloads_round_trip_and_garbage_becomes_a_resynchronization()
    {
        var at = TestKeys.Epoch;
        var one = Revocation.RevocationNotification.Parse(Revocation.RevocationNotification.Serialize(new RevocationEvent { Owner = "ü 🙂", KeyId = "k1" }));
        var all = Revocation.RevocationNotification.Parse(Revocation.RevocationNotification.Serialize(new RevocationEvent { Owner = "o", RevokedBefore = at }));
        var huge = Revocation.RevocationNotification.Parse(Revocation.RevocationNotification.Serialize(new RevocationEvent { Owner = new string('x', 9000), KeyId = "k" }));

        Assert.Equal(("ü 🙂", "k1", (DateTimeOffset?)null, false), (one.Owner, one.KeyId, one.RevokedBefore, one.Resynchronize));
        Assert.Equal(("o", (string?)null, (DateTimeOffset?)at, false), (all.Owner, all.KeyId, all.RevokedBefore, all.Resynchronize));
        Assert.True(huge.Resynchronize);
        Assert.True(Revocation.RevocationNotification.Parse("not json").Resynchronize);
        Assert.True(Revocation.RevocationNotification.Parse("{\"owner\":\"o\"}").Resynchronize);
    }

    private static Task<RevocationEvent> Expect(RevocationSignal signal, Func<RevocationEvent, bool> match)
    {
        var received = new TaskCompletionSource<RevocationEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        IDisposable? subscription = null;
        subscription = signal.Subscribe(e =>
        {
            if (match(e) && received.TrySetResult(e))
            {
                subscription?.Dispose();
            }
        });
        return received.Task;
    }
}
