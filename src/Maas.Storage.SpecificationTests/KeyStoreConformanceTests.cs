using System.Collections.Concurrent;
using Maas.ApiKeys;
using Maas.Auditing;

namespace Maas.Storage.SpecificationTests;

/// <summary>
/// Everything <see cref="IKeyStore"/> promises, run against every store: subclass it, return a
/// fresh, empty store from <see cref="CreateStoreAsync"/>, and clean up in
/// <see cref="DisposeAsync"/>. Instants carry microsecond digits (the finest precision the SQL
/// stores keep); nothing here sleeps or reads the clock.
/// </summary>
public abstract partial class KeyStoreConformanceTests : IAsyncLifetime
{
    private static readonly TimeSpan Microsecond = TimeSpan.FromTicks(10);

    /// <summary>Creates a fresh, empty store; called once or more per test.</summary>
    protected abstract Task<IKeyStore> CreateStoreAsync();

    /// <inheritdoc />
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public virtual Task DisposeAsync() => Task.CompletedTask;

    // ---- add and get ----

    [Fact]
    public async Task Add_then_get_returns_an_equal_record()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice", description: "for the notebook", groups: ["a", "b"]);

        await store.AddAsync(key);
        var found = await store.GetAsync("alice", key.Id);

        AssertSameRecord(key, found);
        Assert.Null(found!.RevokedAt);
        Assert.Null(found.LastUsedAt);
    }

    [Fact]
    public async Task Get_of_an_unknown_id_returns_null()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(TestKeys.Create("alice"));

        Assert.Null(await store.GetAsync("alice", "no-such-key"));
    }

    [Fact]
    public async Task Description_null_round_trips_as_null()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice", description: null);

        await store.AddAsync(key);

        Assert.Null((await store.GetAsync("alice", key.Id))!.Description);
    }

    [Fact]
    public async Task Duplicate_id_is_rejected_even_for_another_owner()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice");
        await store.AddAsync(key);

        await Assert.ThrowsAsync<DuplicateKeyException>(async () => await store.AddAsync(TestKeys.Create("alice", id: key.Id)));
        await Assert.ThrowsAsync<DuplicateKeyException>(async () => await store.AddAsync(TestKeys.Create("bob", id: key.Id)));

        var kept = await store.GetAsync("alice", key.Id);
        AssertSameRecord(key, kept);
        Assert.Null(await store.GetAsync("bob", key.Id));
    }

    [Fact]
    public async Task Duplicate_hash_is_rejected()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice");
        await store.AddAsync(key);
        var clash = TestKeys.Create("bob", hash: (byte[])key.Hash.Clone());

        await Assert.ThrowsAsync<DuplicateKeyException>(async () => await store.AddAsync(clash));

        Assert.Null(await store.GetAsync("bob", clash.Id));
        Assert.Equal(key.Id, (await store.FindByHashAsync(key.Hash))!.Id);
    }

    [Fact]
    public async Task Store_keeps_its_own_copy_of_the_hash()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice");
        var original = (byte[])key.Hash.Clone();
        await store.AddAsync(key);

        key.Hash[0] ^= 0xFF;

        var found = await store.FindByHashAsync(original);
        Assert.NotNull(found);
        Assert.Equal(original, found.Hash);
    }

    // ---- a key and its creation entry ----

    /// <summary>The entry recording <paramref name="key"/>'s creation, as the service writes it.</summary>
    protected static AuditEntry CreationOf(ApiKeyRecord key, string? requestId = "req-create")
    {
        ArgumentNullException.ThrowIfNull(key);
        return new AuditEntry
        {
            At = key.CreatedAt,
            Action = AuditAction.Create,
            Actor = key.Owner,
            Subject = key.Owner,
            KeyId = key.Id,
            RequestId = requestId,
            ClientAddress = "192.0.2.9",
        };
    }

    /// <summary>Reads the store's whole audit trail, newest first, page by page.</summary>
    protected static async Task<List<AuditEntry>> ReadTrailAsync(IKeyStore store)
    {
        var entries = new List<AuditEntry>();
        var query = new AuditQuery { Limit = AuditQuery.MaxLimit };
        AuditPage page;
        do
        {
            page = await AuditOf(store).QueryAsync(query);
            entries.AddRange(page.Entries);
            query = query with { After = page.Next };
        }
        while (page.Next is not null);

        return entries;
    }

    [Fact]
    public async Task Add_with_its_creation_entry_stores_both()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice");
        var entry = CreationOf(key);

        await store.AddAsync(key, entry);

        AssertSameRecord(key, await store.GetAsync("alice", key.Id));
        var stored = Assert.Single(await ReadTrailAsync(store));
        Assert.Equal(entry with { Sequence = stored.Sequence }, stored);
    }

    [Fact]
    public async Task Add_of_a_duplicate_key_appends_no_creation_entry()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice");
        await store.AddAsync(key, CreationOf(key, "first"));
        var sameId = TestKeys.Create("mallory", id: key.Id);
        var sameHash = TestKeys.Create("mallory", hash: (byte[])key.Hash.Clone());

        await Assert.ThrowsAsync<DuplicateKeyException>(async () => await store.AddAsync(sameId, CreationOf(sameId, "same-id")));
        await Assert.ThrowsAsync<DuplicateKeyException>(async () => await store.AddAsync(sameHash, CreationOf(sameHash, "same-hash")));

        Assert.Equal(["first"], (await ReadTrailAsync(store)).Select(e => e.RequestId));
        Assert.Null(await store.GetAsync("mallory", sameHash.Id));
    }

    [Fact]
    public async Task Parallel_adds_with_duplicates_leave_every_stored_key_exactly_one_creation_entry_and_nothing_else()
    {
        var store = await CreateStoreAsync();
        var originals = Enumerable.Range(0, 300).Select(i => TestKeys.Create($"owner-{i % 7}", TestKeys.Epoch.AddTicks(i * 10))).ToArray();
        var duplicates = originals.Take(30).Select(k => TestKeys.Create("mallory", id: k.Id)).ToArray();
        var all = originals.Concat(duplicates).OrderBy(_ => Random.Shared.Next()).ToArray();

        var stored = await Task.WhenAll(all.Select(key => Task.Run(async () =>
        {
            try
            {
                await store.AddAsync(key, CreationOf(key, requestId: key.Owner + "/" + key.Id));
                return key;
            }
            catch (DuplicateKeyException)
            {
                return null;
            }
        })));

        // One add per id won (whichever came first); only the winners' entries are in the trail.
        var kept = stored.OfType<ApiKeyRecord>().ToList();
        Assert.Equal(originals.Length, kept.Count);
        var trail = await ReadTrailAsync(store);
        Assert.Equal(kept.Select(k => k.Owner + "/" + k.Id).Order(StringComparer.Ordinal), trail.Select(e => e.RequestId!).Order(StringComparer.Ordinal));
        foreach (var entry in trail)
        {
            Assert.Equal(entry.Subject, (await AdministrationOf(store).FindByIdAsync(entry.KeyId!))?.Owner);
        }
    }

    // ---- listing ----

    [Fact]
    public async Task List_is_newest_first_with_ties_broken_by_id_descending()
    {
        var store = await CreateStoreAsync();
        var t = TestKeys.Epoch;
        var keys = new[]
        {
            TestKeys.Create("alice", t, id: "k-b"),
            TestKeys.Create("alice", t + TimeSpan.FromSeconds(1), id: "k-a"),
            TestKeys.Create("alice", t, id: "k-c"),
            TestKeys.Create("alice", t - Microsecond, id: "k-z"),
            TestKeys.Create("alice", t + TimeSpan.FromSeconds(1), id: "k-d"),
            TestKeys.Create("alice", t + Microsecond, id: "k-0"),
        };
        foreach (var key in keys)
        {
            await store.AddAsync(key);
        }

        var ids = await ListIdsAsync(store, "alice");

        Assert.Equal(["k-d", "k-a", "k-0", "k-c", "k-b", "k-z"], ids);
    }

    [Fact]
    public async Task List_ties_are_broken_by_ordinal_id_whatever_the_case()
    {
        // Real ids are mixed-case base62: ordinal order puts digits, then 'A'-'Z', then 'a'-'z'
        // (a linguistic collation would interleave "a" and "B").
        var store = await CreateStoreAsync();
        foreach (var id in new[] { "a1", "B2", "b0", "A9", "09", "Z0" })
        {
            await store.AddAsync(TestKeys.Create("alice", TestKeys.Epoch, id: id));
        }

        Assert.Equal(["b0", "a1", "Z0", "B2", "A9", "09"], await ListIdsAsync(store, "alice"));
    }

    [Fact]
    public async Task List_of_an_owner_without_keys_is_empty()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(TestKeys.Create("alice"));

        Assert.Empty(await ListAsync(store, "bob"));
    }

    [Fact]
    public async Task List_includes_revoked_and_expired_keys()
    {
        var store = await CreateStoreAsync();
        var expired = TestKeys.Create("alice", TestKeys.Epoch.AddDays(-60));
        var revoked = TestKeys.Create("alice", TestKeys.Epoch.AddDays(-1));
        var active = TestKeys.Create("alice", TestKeys.Epoch);
        await store.AddAsync(expired);
        await store.AddAsync(revoked);
        await store.AddAsync(active);
        await store.RevokeAsync("alice", revoked.Id, TestKeys.Epoch);

        var listed = await ListAsync(store, "alice");

        Assert.Equal([active.Id, revoked.Id, expired.Id], listed.Select(k => k.Id));
        Assert.Equal(
            [ApiKeyStatus.Active, ApiKeyStatus.Revoked, ApiKeyStatus.Expired],
            listed.Select(k => k.StatusAt(TestKeys.Epoch.AddSeconds(1))));
    }

    // ---- owner isolation ----

    [Fact]
    public async Task Owners_are_isolated()
    {
        var store = await CreateStoreAsync();
        var alices = TestKeys.Create("alice");
        var bobs = TestKeys.Create("bob");
        await store.AddAsync(alices);
        await store.AddAsync(bobs);

        Assert.Null(await store.GetAsync("bob", alices.Id));
        Assert.False(await store.RevokeAsync("bob", alices.Id, TestKeys.Epoch));
        Assert.Null((await store.GetAsync("alice", alices.Id))!.RevokedAt);
        Assert.Equal([alices.Id], await ListIdsAsync(store, "alice"));
        Assert.Equal([bobs.Id], await ListIdsAsync(store, "bob"));
    }

    [Fact]
    public async Task Owner_names_are_compared_exactly()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("Alice");
        await store.AddAsync(key);

        Assert.Null(await store.GetAsync("alice", key.Id));
        Assert.Null(await store.GetAsync("Alice ", key.Id));
        Assert.Empty(await ListAsync(store, "alice"));
        Assert.False(await store.RevokeAsync("ALICE", key.Id, TestKeys.Epoch));
        Assert.Equal(0, await store.RevokeAllAsync("alice", TestKeys.Epoch));
        Assert.Null((await store.GetAsync("Alice", key.Id))!.RevokedAt);
    }

    // ---- revoke one ----

    [Fact]
    public async Task Revoke_marks_the_key_and_keeps_the_first_instant()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice");
        var other = TestKeys.Create("alice", TestKeys.Epoch.AddSeconds(1));
        await store.AddAsync(key);
        await store.AddAsync(other);
        var first = TestKeys.Epoch.AddHours(1);

        Assert.True(await store.RevokeAsync("alice", key.Id, first));
        Assert.True(await store.RevokeAsync("alice", key.Id, first.AddHours(1)));
        Assert.True(await store.RevokeAsync("alice", key.Id, first.AddHours(-1)));

        var revoked = await store.GetAsync("alice", key.Id);
        Assert.Equal(first, revoked!.RevokedAt);
        Assert.Equal(ApiKeyStatus.Revoked, revoked.StatusAt(first));
        Assert.Null((await store.GetAsync("alice", other.Id))!.RevokedAt);
        Assert.Null(await store.GetRevokedBeforeAsync("alice"));
    }

    [Fact]
    public async Task Revoke_of_an_unknown_id_returns_false()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(TestKeys.Create("alice"));

        Assert.False(await store.RevokeAsync("alice", "no-such-key", TestKeys.Epoch));
    }

    // ---- revoke all ----

    [Fact]
    public async Task Revoke_all_marks_only_that_owners_unrevoked_keys_and_counts_them()
    {
        var store = await CreateStoreAsync();
        var a1 = TestKeys.Create("alice", TestKeys.Epoch);
        var a2 = TestKeys.Create("alice", TestKeys.Epoch.AddSeconds(1));
        var a3 = TestKeys.Create("alice", TestKeys.Epoch.AddSeconds(2));
        var b1 = TestKeys.Create("bob", TestKeys.Epoch);
        foreach (var key in new[] { a1, a2, a3, b1 })
        {
            await store.AddAsync(key);
        }

        var earlier = TestKeys.Epoch.AddMinutes(5);
        var at = TestKeys.Epoch.AddMinutes(10);
        await store.RevokeAsync("alice", a2.Id, earlier);

        Assert.Equal(2, await store.RevokeAllAsync("alice", at));

        Assert.Equal(at, (await store.GetAsync("alice", a1.Id))!.RevokedAt);
        Assert.Equal(earlier, (await store.GetAsync("alice", a2.Id))!.RevokedAt);
        Assert.Equal(at, (await store.GetAsync("alice", a3.Id))!.RevokedAt);
        Assert.Null((await store.GetAsync("bob", b1.Id))!.RevokedAt);
        Assert.Equal(at, await store.GetRevokedBeforeAsync("alice"));
        Assert.Null(await store.GetRevokedBeforeAsync("bob"));
    }

    [Fact]
    public async Task Revoke_all_again_marks_nothing_new()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(TestKeys.Create("alice"));

        Assert.Equal(1, await store.RevokeAllAsync("alice", TestKeys.Epoch.AddMinutes(1)));
        Assert.Equal(0, await store.RevokeAllAsync("alice", TestKeys.Epoch.AddMinutes(2)));
        Assert.Equal(TestKeys.Epoch.AddMinutes(2), await store.GetRevokedBeforeAsync("alice"));
    }

    [Fact]
    public async Task Revoked_before_only_moves_forward()
    {
        var store = await CreateStoreAsync();
        var later = TestKeys.Epoch.AddHours(2);

        Assert.Equal(0, await store.RevokeAllAsync("alice", later));
        Assert.Equal(0, await store.RevokeAllAsync("alice", TestKeys.Epoch.AddHours(1)));
        Assert.Equal(later, await store.GetRevokedBeforeAsync("alice"));

        Assert.Equal(0, await store.RevokeAllAsync("alice", later + Microsecond));
        Assert.Equal(later + Microsecond, await store.GetRevokedBeforeAsync("alice"));
    }

    [Fact]
    public async Task Revoke_all_for_an_owner_without_keys_records_the_instant()
    {
        var store = await CreateStoreAsync();

        Assert.Equal(0, await store.RevokeAllAsync("carol", TestKeys.Epoch));

        Assert.Equal(TestKeys.Epoch, await store.GetRevokedBeforeAsync("carol"));
        Assert.Empty(await ListAsync(store, "carol"));
    }

    [Fact]
    public async Task Keys_added_after_revoke_all_are_active()
    {
        var store = await CreateStoreAsync();
        await store.RevokeAllAsync("alice", TestKeys.Epoch);
        var key = TestKeys.Create("alice", TestKeys.Epoch.AddSeconds(1));

        await store.AddAsync(key);

        Assert.Null((await store.GetAsync("alice", key.Id))!.RevokedAt);
    }

    [Fact]
    public async Task Revoke_all_marks_keys_created_up_to_the_instant_and_leaves_later_ones_active()
    {
        // A key created while a revoke-all is in flight, after its instant, is a new key: the
        // owner asked to end what they held, not what they are creating now.
        var store = await CreateStoreAsync();
        var at = TestKeys.Epoch.AddMinutes(30);
        var before = TestKeys.Create("alice", at - Microsecond);
        var same = TestKeys.Create("alice", at);
        var after = TestKeys.Create("alice", at + Microsecond);
        foreach (var key in new[] { before, same, after })
        {
            await store.AddAsync(key);
        }

        Assert.Equal(2, await store.RevokeAllAsync("alice", at));

        Assert.Equal(at, (await store.GetAsync("alice", before.Id))!.RevokedAt);
        Assert.Equal(at, (await store.GetAsync("alice", same.Id))!.RevokedAt);
        Assert.Null((await store.GetAsync("alice", after.Id))!.RevokedAt);
        Assert.Null((await store.FindByHashAsync(after.Hash))!.RevokedAt);
    }

    [Fact]
    public async Task Adding_a_key_created_up_to_the_revoked_before_instant_stores_it_revoked()
    {
        // The add raced a revoke-all and lost: the key must not list as active while it fails
        // validation (validators refuse keys created before the owner's revoked-before instant).
        var store = await CreateStoreAsync();
        var at = TestKeys.Epoch.AddMinutes(30);
        await store.RevokeAllAsync("alice", at);
        var before = TestKeys.Create("alice", at - TimeSpan.FromMinutes(1));
        var same = TestKeys.Create("alice", at);
        var after = TestKeys.Create("alice", at + Microsecond);
        var bobs = TestKeys.Create("bob", at - TimeSpan.FromMinutes(1));
        foreach (var key in new[] { before, same, after, bobs })
        {
            await store.AddAsync(key);
        }

        Assert.Equal(at, (await store.GetAsync("alice", before.Id))!.RevokedAt);
        Assert.Equal(at, (await store.FindByHashAsync(same.Hash))!.RevokedAt);
        Assert.Null((await store.GetAsync("alice", after.Id))!.RevokedAt);
        Assert.Null((await store.GetAsync("bob", bobs.Id))!.RevokedAt);
        Assert.Equal(
            [(after.Id, ApiKeyStatus.Active), (same.Id, ApiKeyStatus.Revoked), (before.Id, ApiKeyStatus.Revoked)],
            (await ListAsync(store, "alice")).Select(k => (k.Id, k.StatusAt(at))));
    }

    [Fact]
    public async Task Adding_a_key_already_revoked_keeps_its_own_instant()
    {
        var store = await CreateStoreAsync();
        await store.RevokeAllAsync("alice", TestKeys.Epoch.AddHours(1));
        var key = TestKeys.Create("alice") with { RevokedAt = TestKeys.Epoch.AddMinutes(1) };

        await store.AddAsync(key);

        Assert.Equal(TestKeys.Epoch.AddMinutes(1), (await store.GetAsync("alice", key.Id))!.RevokedAt);
    }

    [Fact]
    public async Task Revoked_before_is_null_for_an_unknown_owner()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(TestKeys.Create("alice"));

        Assert.Null(await store.GetRevokedBeforeAsync("alice"));
        Assert.Null(await store.GetRevokedBeforeAsync("nobody"));
    }

    // ---- hash lookup ----

    [Fact]
    public async Task Find_by_hash_finds_any_owners_key()
    {
        var store = await CreateStoreAsync();
        var alices = TestKeys.Create("alice");
        var bobs = TestKeys.Create("bob");
        await store.AddAsync(alices);
        await store.AddAsync(bobs);

        AssertSameRecord(alices, await store.FindByHashAsync(alices.Hash));
        AssertSameRecord(bobs, await store.FindByHashAsync(new ReadOnlyMemory<byte>(bobs.Hash)));
        Assert.Null(await store.FindByHashAsync(TestKeys.NewHash()));
    }

    [Fact]
    public async Task Find_by_hash_sees_revocation()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice");
        await store.AddAsync(key);
        await store.RevokeAsync("alice", key.Id, TestKeys.Epoch.AddMinutes(1));

        var found = await store.FindByHashAsync(key.Hash);

        Assert.Equal(TestKeys.Epoch.AddMinutes(1), found!.RevokedAt);
    }

    [Fact]
    public async Task Find_by_hash_accepts_a_slice_of_a_larger_buffer()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice");
        await store.AddAsync(key);
        var buffer = new byte[48];
        key.Hash.CopyTo(buffer, 8);

        Assert.Equal(key.Id, (await store.FindByHashAsync(buffer.AsMemory(8, 32)))!.Id);
        Assert.Null(await store.FindByHashAsync(buffer.AsMemory(7, 32)));
    }

    // ---- status, time, text ----

    [Fact]
    public async Task Status_at_the_expiry_instant_is_expired()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice", lifetime: TimeSpan.FromMinutes(10));
        await store.AddAsync(key);

        var found = await store.GetAsync("alice", key.Id);

        Assert.Equal(key.ExpiresAt, found!.ExpiresAt);
        Assert.Equal(ApiKeyStatus.Active, found.StatusAt(key.ExpiresAt - Microsecond));
        Assert.Equal(ApiKeyStatus.Expired, found.StatusAt(key.ExpiresAt));
        Assert.Equal(ApiKeyStatus.Expired, found.StatusAt(key.ExpiresAt + Microsecond));
    }

    [Fact]
    public async Task Timestamps_round_trip_to_the_microsecond_as_utc()
    {
        var store = await CreateStoreAsync();
        var created = new DateTimeOffset(2031, 12, 31, 23, 59, 59, TimeSpan.FromHours(2)).AddTicks(9_999_990);
        var key = TestKeys.Create("alice", created, lifetime: TimeSpan.FromTicks(123_456_780));
        await store.AddAsync(key);
        var revokedAt = new DateTimeOffset(2032, 1, 1, 0, 0, 0, TimeSpan.FromHours(-5)).AddTicks(10);
        var usedAt = new DateTimeOffset(2032, 1, 1, 0, 0, 0, TimeSpan.FromHours(9)).AddTicks(20);
        await UsageOf(store).RecordUsageAsync([new KeyUsage(key.Id, usedAt)]);
        await store.RevokeAsync("alice", key.Id, revokedAt);

        var found = await store.GetAsync("alice", key.Id);

        Assert.Equal(created, found!.CreatedAt);
        Assert.Equal(key.ExpiresAt, found.ExpiresAt);
        Assert.Equal(revokedAt, found.RevokedAt);
        Assert.Equal(usedAt, found.LastUsedAt);
        Assert.Equal(TimeSpan.Zero, found.CreatedAt.Offset);
        Assert.Equal(TimeSpan.Zero, found.ExpiresAt.Offset);
        Assert.Equal(TimeSpan.Zero, found.RevokedAt!.Value.Offset);
        Assert.Equal(TimeSpan.Zero, found.LastUsedAt!.Value.Offset);
    }

    [Fact]
    public async Task Revoked_before_round_trips_to_the_microsecond_as_utc()
    {
        var store = await CreateStoreAsync();
        var at = new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.FromHours(-7)).AddTicks(1_234_560);

        await store.RevokeAllAsync("alice", at);
        var found = await store.GetRevokedBeforeAsync("alice");

        Assert.Equal(at, found);
        Assert.Equal(TimeSpan.Zero, found!.Value.Offset);
    }

    [Fact]
    public async Task Dates_far_in_the_past_and_future_round_trip()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice", new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(-10), lifetime: TimeSpan.FromDays(365 * 200));
        await store.AddAsync(key);

        AssertSameRecord(key, await store.GetAsync("alice", key.Id));
    }

    [Theory]
    [InlineData("🔑 my key 🚀", "emoji 👩‍👩‍👧‍👦 family")]
    [InlineData("מפתח ראשי", "تجربة النص العربي")]
    [InlineData("e\u0301\u0327 combining", "A\u030A vs \u00C5 stay distinct")]
    [InlineData("quotes ' \" ; -- drop", "new\nline\ttab \\ backslash %_ wildcards")]
    [InlineData("日本語のキー", "")]
    public async Task Unicode_names_and_descriptions_round_trip_exactly(string name, string description)
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("usér 🙂", name: name, description: description);
        await store.AddAsync(key);

        var found = await store.GetAsync("usér 🙂", key.Id);

        Assert.Equal(name, found!.Name, StringComparer.Ordinal);
        Assert.Equal(description, found.Description, StringComparer.Ordinal);
        Assert.Equal(key.Id, Assert.Single(await ListAsync(store, "usér 🙂")).Id);
    }

    [Fact]
    public async Task Long_names_and_descriptions_round_trip()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice", name: new string('n', 128), description: string.Concat(Enumerable.Repeat("ü🙂", 500)));
        await store.AddAsync(key);

        AssertSameRecord(key, await store.GetAsync("alice", key.Id));
    }

    [Fact]
    public async Task Groups_round_trip_in_order_including_an_empty_list()
    {
        var store = await CreateStoreAsync();
        var none = TestKeys.Create("alice", groups: []);
        var many = TestKeys.Create("alice", groups: ["tier-premium-users", "système:groupe", "with \"quotes\", commas", "z", "a", "z"]);
        await store.AddAsync(none);
        await store.AddAsync(many);

        Assert.Empty((await store.GetAsync("alice", none.Id))!.OwnerGroups);
        Assert.Equal(many.OwnerGroups, (await store.GetAsync("alice", many.Id))!.OwnerGroups);
        Assert.Equal(many.OwnerGroups, (await store.FindByHashAsync(many.Hash))!.OwnerGroups);
    }

    // ---- usage ----

    [Fact]
    public async Task Record_usage_keeps_the_latest_instant()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice");
        var other = TestKeys.Create("alice");
        await store.AddAsync(key);
        await store.AddAsync(other);
        var t1 = TestKeys.Epoch.AddMinutes(1);
        var t2 = TestKeys.Epoch.AddMinutes(2);

        await UsageOf(store).RecordUsageAsync([new KeyUsage(key.Id, t1)]);
        Assert.Equal(t1, (await store.GetAsync("alice", key.Id))!.LastUsedAt);

        await UsageOf(store).RecordUsageAsync([new KeyUsage(key.Id, t2), new KeyUsage("unknown-id", t2)]);
        Assert.Equal(t2, (await store.GetAsync("alice", key.Id))!.LastUsedAt);

        await UsageOf(store).RecordUsageAsync([new KeyUsage(key.Id, t1)]);
        Assert.Equal(t2, (await store.GetAsync("alice", key.Id))!.LastUsedAt);

        Assert.Null((await store.GetAsync("alice", other.Id))!.LastUsedAt);
    }

    [Fact]
    public async Task Record_usage_with_several_entries_for_one_key_keeps_the_latest()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice");
        await store.AddAsync(key);
        var latest = TestKeys.Epoch.AddMinutes(3);

        await UsageOf(store).RecordUsageAsync(
        [
            new KeyUsage(key.Id, TestKeys.Epoch.AddMinutes(1)),
            new KeyUsage(key.Id, latest),
            new KeyUsage(key.Id, TestKeys.Epoch.AddMinutes(2)),
        ]);

        Assert.Equal(latest, (await store.GetAsync("alice", key.Id))!.LastUsedAt);
        Assert.Equal(latest, (await store.FindByHashAsync(key.Hash))!.LastUsedAt);
    }

    [Fact]
    public async Task Record_usage_of_nothing_or_unknown_ids_changes_nothing()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice");
        await store.AddAsync(key);

        await UsageOf(store).RecordUsageAsync([]);
        await UsageOf(store).RecordUsageAsync([new KeyUsage("unknown-1", TestKeys.Epoch), new KeyUsage("unknown-2", TestKeys.Epoch)]);

        AssertSameRecord(key, await store.GetAsync("alice", key.Id));
        Assert.Null(await store.GetAsync("alice", "unknown-1"));
    }

    // ---- concurrency ----

    [Fact]
    public async Task Parallel_creators_store_every_key_exactly_once_and_never_cross_owners()
    {
        const int Creators = 200;
        const int Owners = 20;
        const int KeysPerCreator = 2;
        var store = await CreateStoreAsync();
        var created = new ConcurrentBag<ApiKeyRecord>();

        await Task.WhenAll(Enumerable.Range(0, Creators).Select(creator => Task.Run(async () =>
        {
            var owner = $"owner-{creator % Owners}";
            for (var i = 0; i < KeysPerCreator; i++)
            {
                var key = TestKeys.Create(owner, TestKeys.Epoch.AddSeconds((creator * KeysPerCreator) + i), name: $"c{creator}-{i}");
                await store.AddAsync(key);
                created.Add(key);
            }
        })));

        Assert.Equal(Creators * KeysPerCreator, created.Count);
        var listings = await Task.WhenAll(Enumerable.Range(0, Owners).Select(o => ListAsync(store, $"owner-{o}")));
        for (var o = 0; o < Owners; o++)
        {
            var owner = $"owner-{o}";
            var expected = created.Where(k => k.Owner == owner).OrderByDescending(k => k.CreatedAt).Select(k => k.Id).ToList();
            Assert.Equal(expected, listings[o].Select(k => k.Id));
            Assert.All(listings[o], k => Assert.Equal(owner, k.Owner));
        }

        foreach (var key in created)
        {
            Assert.Equal(key.Id, (await store.FindByHashAsync(key.Hash))!.Id);
        }
    }

    [Fact]
    public async Task Parallel_readers_and_writers_see_consistent_listings()
    {
        var store = await CreateStoreAsync();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await store.AddAsync(TestKeys.Create($"rw-{w % 4}", TestKeys.Epoch.AddSeconds(i)));
            }
        }));
        var readers = Enumerable.Range(0, 8).Select(r => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                var listed = await ListAsync(store, $"rw-{r % 4}");
                Assert.All(listed, k => Assert.Equal($"rw-{r % 4}", k.Owner));
                Assert.Equal(listed.Count, listed.Select(k => k.Id).Distinct().Count());
            }
        }));

        await Task.WhenAll(writers.Concat(readers));

        for (var o = 0; o < 4; o++)
        {
            Assert.Equal(50, (await ListAsync(store, $"rw-{o}")).Count);
        }
    }

    [Fact]
    public async Task Parallel_revoke_all_and_adds_lose_nothing_and_mark_each_key_once()
    {
        const int Adds = 100;
        const int Revocations = 10;
        var store = await CreateStoreAsync();
        var counts = new ConcurrentBag<int>();

        var adds = Enumerable.Range(0, Adds).Select(i => Task.Run(async () =>
            await store.AddAsync(TestKeys.Create("alice", TestKeys.Epoch.AddSeconds(i)))));
        var revokes = Enumerable.Range(1, Revocations).Select(r => Task.Run(async () =>
            counts.Add(await store.RevokeAllAsync("alice", TestKeys.Epoch.AddHours(r)))));
        var bystander = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await store.AddAsync(TestKeys.Create("bob", TestKeys.Epoch.AddSeconds(i)));
            }
        });

        await Task.WhenAll(adds.Concat(revokes).Append(bystander));

        // Every key was created before every revoke-all instant: each is revoked, either marked
        // by a revoke-all (counted once) or stored revoked because it arrived after one.
        var listed = await ListAsync(store, "alice");
        Assert.Equal(Adds, listed.Count);
        Assert.InRange(counts.Sum(), 0, Adds);
        Assert.All(listed, k => Assert.NotNull(k.RevokedAt));
        Assert.All(listed, k => Assert.InRange(k.RevokedAt!.Value, TestKeys.Epoch.AddHours(1), TestKeys.Epoch.AddHours(Revocations)));
        Assert.Equal(0, await store.RevokeAllAsync("alice", TestKeys.Epoch.AddHours(Revocations + 1)));
        Assert.Equal(TestKeys.Epoch.AddHours(Revocations + 1), await store.GetRevokedBeforeAsync("alice"));
        var bobs = await ListAsync(store, "bob");
        Assert.Equal(20, bobs.Count);
        Assert.All(bobs, k => Assert.Null(k.RevokedAt));
    }

    [Fact]
    public async Task Adds_racing_one_revoke_all_end_revoked_exactly_when_created_up_to_its_instant()
    {
        const int Adds = 100;
        var store = await CreateStoreAsync();
        var at = TestKeys.Epoch.AddHours(1);
        var older = Enumerable.Range(0, Adds).Select(i => TestKeys.Create("alice", TestKeys.Epoch.AddSeconds(i))).ToList();
        var newer = Enumerable.Range(1, Adds).Select(i => TestKeys.Create("alice", at.AddSeconds(i))).ToList();
        var adds = older.Zip(newer, (o, n) => new[] { o, n }).SelectMany(pair => pair)
            .Select(key => Task.Run(async () => await store.AddAsync(key)))
            .ToList();
        var revoke = Task.Run(async () => await store.RevokeAllAsync("alice", at));

        await Task.WhenAll(adds.Append(revoke));

        // No sweep afterwards: whichever came first, the store alone must get every key right.
        var listed = (await ListAsync(store, "alice")).ToDictionary(k => k.Id, StringComparer.Ordinal);
        Assert.Equal(2 * Adds, listed.Count);
        Assert.All(older, k => Assert.Equal(at, listed[k.Id].RevokedAt));
        Assert.All(newer, k => Assert.Null(listed[k.Id].RevokedAt));
    }

    [Fact]
    public async Task Parallel_revocations_of_one_key_keep_a_single_instant()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice");
        await store.AddAsync(key);

        var results = await Task.WhenAll(Enumerable.Range(1, 20).Select(i => Task.Run(async () =>
            await store.RevokeAsync("alice", key.Id, TestKeys.Epoch.AddMinutes(i)))));

        Assert.All(results, Assert.True);
        var revokedAt = (await store.GetAsync("alice", key.Id))!.RevokedAt;
        Assert.NotNull(revokedAt);
        Assert.Equal(0, await store.RevokeAllAsync("alice", TestKeys.Epoch.AddHours(1)));
        Assert.Equal(revokedAt, (await store.GetAsync("alice", key.Id))!.RevokedAt);
    }

    [Fact]
    public async Task Parallel_usage_records_keep_the_latest()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("alice");
        await store.AddAsync(key);

        await Task.WhenAll(Enumerable.Range(1, 50).Select(i => Task.Run(async () =>
            await UsageOf(store).RecordUsageAsync([new KeyUsage(key.Id, TestKeys.Epoch.AddSeconds(i))]))));

        Assert.Equal(TestKeys.Epoch.AddSeconds(50), (await store.GetAsync("alice", key.Id))!.LastUsedAt);
    }

    // ---- hashes for the membership filter ----

    [Fact]
    public async Task List_hashes_streams_every_key_of_every_owner_in_every_state()
    {
        var store = await CreateStoreAsync();
        Assert.Empty(await ListHashesAsync(store));

        var active = TestKeys.Create("alice");
        var revoked = TestKeys.Create("alice");
        var expired = TestKeys.Create("bob", lifetime: TimeSpan.FromMinutes(10));
        var afterRevokeAll = TestKeys.Create("carol");
        foreach (var key in new[] { active, revoked, expired, afterRevokeAll })
        {
            await store.AddAsync(key);
        }

        await store.RevokeAsync("alice", revoked.Id, TestKeys.Epoch.AddMinutes(1));
        await store.RevokeAllAsync("carol", TestKeys.Epoch.AddMinutes(1));

        var hashes = await ListHashesAsync(store);
        Assert.Equal(
            new[] { active, revoked, expired, afterRevokeAll }.Select(k => Convert.ToHexString(k.Hash)).Order(StringComparer.Ordinal),
            hashes.Select(Convert.ToHexString).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task List_hashes_pages_through_more_keys_than_one_page_of_ten_thousand_without_loss_or_repeat()
    {
        var store = await CreateStoreAsync();
        var keys = Enumerable.Range(0, 10_007).Select(i => TestKeys.Create($"owner-{i % 7}")).ToArray();
        await Task.WhenAll(keys.Chunk(1_000).Select(chunk => Task.Run(async () =>
        {
            foreach (var key in chunk)
            {
                await store.AddAsync(key);
            }
        })));

        var hashes = await ListHashesAsync(store);

        Assert.Equal(keys.Length, hashes.Count);
        Assert.Equal(
            keys.Select(k => Convert.ToHexString(k.Hash)).ToHashSet(StringComparer.Ordinal),
            hashes.Select(Convert.ToHexString).ToHashSet(StringComparer.Ordinal));
    }

    // ---- helpers ----

    /// <summary>Reads every hash the store streams.</summary>
    protected static async Task<List<byte[]>> ListHashesAsync(IKeyStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var result = new List<byte[]>();
        await foreach (var hash in UsageOf(store).ListHashesAsync())
        {
            result.Add(hash);
        }

        return result;
    }

    /// <summary>Reads a whole listing.</summary>
    protected static async Task<List<ApiKeyRecord>> ListAsync(IKeyStore store, string owner)
    {
        ArgumentNullException.ThrowIfNull(store);
        var result = new List<ApiKeyRecord>();
        await foreach (var key in store.ListAsync(owner))
        {
            result.Add(key);
        }

        return result;
    }

    /// <summary>Reads the ids of a whole listing.</summary>
    protected static async Task<List<string>> ListIdsAsync(IKeyStore store, string owner) =>
        [.. (await ListAsync(store, owner)).Select(k => k.Id)];

    // ---- rotation ----

    /// <summary>A rotation of <paramref name="old"/> at <paramref name="at"/> whose old key stops after <paramref name="grace"/>.</summary>
    protected static KeyRotation Rotation(ApiKeyRecord old, DateTimeOffset at, TimeSpan grace, string actor = "alice")
    {
        ArgumentNullException.ThrowIfNull(old);
        var replacement = old with
        {
            Id = TestKeys.NewId(),
            Hash = TestKeys.NewHash(),
            CreatedAt = at,
            ExpiresAt = at + TimeSpan.FromDays(30),
            RotatedFrom = old.Id,
            ReplacedBy = null,
            LastUsedAt = null,
        };
        return new KeyRotation
        {
            Owner = old.Owner,
            KeyId = old.Id,
            Replacement = replacement,
            GraceEndsAt = at + grace,
            At = at,
            Audit = new AuditEntry
            {
                At = at,
                Action = AuditAction.Rotate,
                Actor = actor,
                Subject = old.Owner,
                KeyId = replacement.Id,
                ReplacedKeyId = old.Id,
                RequestId = "req-rotate",
                ClientAddress = "192.0.2.7",
            },
        };
    }

    [Fact]
    public async Task Rotate_stores_the_linked_replacement_and_shortens_the_old_expiry_to_the_grace_end()
    {
        var store = await CreateStoreAsync();
        var old = TestKeys.Create("alice", description: "ci", groups: ["g1", "g2"]);
        await store.AddAsync(old);
        var rotation = Rotation(old, TestKeys.Epoch.AddHours(1), TimeSpan.FromMinutes(30));

        var result = await store.RotateAsync(rotation);

        Assert.Equal(KeyRotationOutcome.Rotated, result.Outcome);
        var storedOld = await store.GetAsync("alice", old.Id);
        Assert.Equal(rotation.GraceEndsAt, storedOld!.ExpiresAt);
        Assert.Equal(rotation.Replacement.Id, storedOld.ReplacedBy);
        Assert.Null(storedOld.RevokedAt);
        Assert.Equal(storedOld.ExpiresAt, result.Previous!.ExpiresAt);
        Assert.Equal(rotation.Replacement.Id, result.Previous.ReplacedBy);
        var replacement = await store.GetAsync("alice", rotation.Replacement.Id);
        AssertSameRecord(rotation.Replacement, replacement);
        Assert.Equal(old.Id, replacement!.RotatedFrom);
        Assert.Null(replacement.ReplacedBy);
        Assert.Equal(rotation.Replacement.Id, (await store.FindByHashAsync(rotation.Replacement.Hash))!.Id);
    }

    [Fact]
    public async Task Rotate_never_lengthens_the_old_keys_life()
    {
        var store = await CreateStoreAsync();
        var old = TestKeys.Create("alice", lifetime: TimeSpan.FromHours(2));
        await store.AddAsync(old);

        var result = await store.RotateAsync(Rotation(old, TestKeys.Epoch.AddHours(1), TimeSpan.FromHours(5)));

        Assert.Equal(KeyRotationOutcome.Rotated, result.Outcome);
        Assert.Equal(old.ExpiresAt, (await store.GetAsync("alice", old.Id))!.ExpiresAt);
    }

    [Fact]
    public async Task Rotate_with_zero_grace_ends_the_old_key_at_the_rotation_instant()
    {
        var store = await CreateStoreAsync();
        var old = TestKeys.Create("alice");
        await store.AddAsync(old);
        var at = TestKeys.Epoch.AddMinutes(7);

        await store.RotateAsync(Rotation(old, at, TimeSpan.Zero));

        var stored = await store.GetAsync("alice", old.Id);
        Assert.Equal(at, stored!.ExpiresAt);
        Assert.Equal(ApiKeyStatus.Expired, stored.StatusAt(at));
    }

    [Fact]
    public async Task Rotate_of_another_owners_key_is_not_found_and_changes_nothing()
    {
        var store = await CreateStoreAsync();
        var old = TestKeys.Create("alice");
        await store.AddAsync(old);
        var rotation = Rotation(old, TestKeys.Epoch.AddHours(1), TimeSpan.Zero) with { Owner = "bob" };

        var result = await store.RotateAsync(rotation);

        Assert.Equal(KeyRotationOutcome.NotFound, result.Outcome);
        Assert.Null(result.Previous);
        AssertSameRecord(old, await store.GetAsync("alice", old.Id));
        Assert.Null(await store.FindByHashAsync(rotation.Replacement.Hash));
        Assert.Empty((await AuditOf(store).QueryAsync(new AuditQuery())).Entries);
    }

    [Fact]
    public async Task Rotate_of_a_revoked_key_is_refused_and_changes_nothing()
    {
        var store = await CreateStoreAsync();
        var old = TestKeys.Create("alice");
        await store.AddAsync(old);
        await store.RevokeAsync("alice", old.Id, TestKeys.Epoch.AddMinutes(1));
        var rotation = Rotation(old, TestKeys.Epoch.AddHours(1), TimeSpan.FromHours(1));

        var result = await store.RotateAsync(rotation);

        Assert.Equal(KeyRotationOutcome.Revoked, result.Outcome);
        Assert.Null(await store.GetAsync("alice", rotation.Replacement.Id));
        Assert.Equal(old.ExpiresAt, (await store.GetAsync("alice", old.Id))!.ExpiresAt);
        Assert.Empty((await AuditOf(store).QueryAsync(new AuditQuery())).Entries);
    }

    [Fact]
    public async Task Rotate_of_an_expired_key_is_refused_from_its_expiry_instant_on()
    {
        var store = await CreateStoreAsync();
        var old = TestKeys.Create("alice", lifetime: TimeSpan.FromHours(1));
        await store.AddAsync(old);

        var result = await store.RotateAsync(Rotation(old, old.ExpiresAt, TimeSpan.FromHours(1)));

        Assert.Equal(KeyRotationOutcome.Expired, result.Outcome);
        Assert.Single(await store.ListAsync("alice").ToListAsync());
    }

    [Fact]
    public async Task Rotating_a_replaced_key_again_is_refused_naming_its_replacement_and_keeps_the_first_grace_end()
    {
        var store = await CreateStoreAsync();
        var old = TestKeys.Create("alice");
        await store.AddAsync(old);
        var first = Rotation(old, TestKeys.Epoch.AddHours(1), TimeSpan.FromHours(1));
        await store.RotateAsync(first);

        var again = await store.RotateAsync(Rotation(old, TestKeys.Epoch.AddHours(1).AddMinutes(10), TimeSpan.Zero));

        Assert.Equal(KeyRotationOutcome.AlreadyReplaced, again.Outcome);
        Assert.Equal(first.Replacement.Id, again.Previous!.ReplacedBy);
        Assert.Equal(first.GraceEndsAt, (await store.GetAsync("alice", old.Id))!.ExpiresAt);
        Assert.Equal(2, (await store.ListAsync("alice").ToListAsync()).Count);
    }

    [Fact]
    public async Task Rotating_the_replacement_within_the_grace_leaves_the_first_key_its_own_grace_end()
    {
        var store = await CreateStoreAsync();
        var old = TestKeys.Create("alice");
        await store.AddAsync(old);
        var first = Rotation(old, TestKeys.Epoch.AddHours(1), TimeSpan.FromHours(1));
        await store.RotateAsync(first);

        var second = Rotation(first.Replacement, TestKeys.Epoch.AddHours(1).AddMinutes(5), TimeSpan.FromMinutes(10));
        Assert.Equal(KeyRotationOutcome.Rotated, (await store.RotateAsync(second)).Outcome);

        Assert.Equal(first.GraceEndsAt, (await store.GetAsync("alice", old.Id))!.ExpiresAt);
        Assert.Equal(second.GraceEndsAt, (await store.GetAsync("alice", first.Replacement.Id))!.ExpiresAt);
        Assert.Equal(first.Replacement.Id, (await store.GetAsync("alice", second.Replacement.Id))!.RotatedFrom);
    }

    [Fact]
    public async Task Rotate_appends_its_audit_entry_with_the_rotation()
    {
        var store = await CreateStoreAsync();
        var old = TestKeys.Create("alice");
        await store.AddAsync(old);
        var rotation = Rotation(old, TestKeys.Epoch.AddHours(1), TimeSpan.FromHours(1));

        await store.RotateAsync(rotation);

        var entry = Assert.Single((await AuditOf(store).QueryAsync(new AuditQuery())).Entries);
        Assert.Equal(rotation.Audit with { Sequence = entry.Sequence }, entry);
    }

    [Fact]
    public async Task Rotate_with_a_replacement_hash_that_exists_throws_and_changes_nothing()
    {
        var store = await CreateStoreAsync();
        var old = TestKeys.Create("alice");
        var other = TestKeys.Create("alice");
        await store.AddAsync(old);
        await store.AddAsync(other);
        var rotation = Rotation(old, TestKeys.Epoch.AddHours(1), TimeSpan.Zero);
        rotation = rotation with { Replacement = rotation.Replacement with { Hash = other.Hash } };

        await Assert.ThrowsAsync<DuplicateKeyException>(async () => await store.RotateAsync(rotation));

        AssertSameRecord(old, await store.GetAsync("alice", old.Id));
        Assert.Null((await store.GetAsync("alice", old.Id))!.ReplacedBy);
        Assert.Empty((await AuditOf(store).QueryAsync(new AuditQuery())).Entries);
    }

    [Fact]
    public async Task Parallel_rotations_of_one_key_let_exactly_one_win()
    {
        var store = await CreateStoreAsync();
        var old = TestKeys.Create("alice");
        await store.AddAsync(old);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(async () => await store.RotateAsync(Rotation(old, TestKeys.Epoch.AddHours(1).AddTicks(i * 10), TimeSpan.FromHours(1))))));

        var winner = Assert.Single(results, r => r.Outcome == KeyRotationOutcome.Rotated);
        Assert.All(results.Where(r => r != winner), r => Assert.Equal(KeyRotationOutcome.AlreadyReplaced, r.Outcome));
        Assert.Equal(2, (await store.ListAsync("alice").ToListAsync()).Count);
        Assert.Single((await AuditOf(store).QueryAsync(new AuditQuery())).Entries);
    }

    /// <summary>The store's audit trail (<see cref="IAuditLog"/>), which the store implements too: a created key and a rotation append to it.</summary>
    protected static IAuditLog AuditOf(IKeyStore store) => Capability<IAuditLog>(store);

    /// <summary>The store's administration capability (<see cref="IKeyAdministrationStore"/>), which the store implements too.</summary>
    protected static IKeyAdministrationStore AdministrationOf(IKeyStore store) => Capability<IKeyAdministrationStore>(store);

    /// <summary>The store's sweeping capability (<see cref="IEphemeralKeyStore"/>), which the store implements too.</summary>
    protected static IEphemeralKeyStore EphemeralOf(IKeyStore store) => Capability<IEphemeralKeyStore>(store);

    /// <summary>The store's usage capability (<see cref="IKeyUsageStore"/>), which the store implements too.</summary>
    protected static IKeyUsageStore UsageOf(IKeyStore store) => Capability<IKeyUsageStore>(store);

    // Maas needs every capability of the store it is given (registered once as IKeyStore), so the suite checks all of them.
    private static T Capability<T>(IKeyStore store)
        where T : class =>
        store as T ?? throw new InvalidOperationException($"{store?.GetType().Name} does not implement {typeof(T).Name}.");

    /// <summary>Asserts that a stored record equals what was added (revocation and usage aside).</summary>
    protected static void AssertSameRecord(ApiKeyRecord expected, ApiKeyRecord? actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        Assert.NotNull(actual);
        Assert.Equal(expected.Id, actual.Id, StringComparer.Ordinal);
        Assert.Equal(expected.Owner, actual.Owner, StringComparer.Ordinal);
        Assert.Equal(expected.OwnerGroups, actual.OwnerGroups);
        Assert.Equal(expected.Name, actual.Name, StringComparer.Ordinal);
        Assert.Equal(expected.Description, actual.Description, StringComparer.Ordinal);
        Assert.Equal(expected.Hash, actual.Hash);
        Assert.Equal(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.ExpiresAt, actual.ExpiresAt);
        Assert.Equal(TimeSpan.Zero, actual.CreatedAt.Offset);
        Assert.Equal(TimeSpan.Zero, actual.ExpiresAt.Offset);
        Assert.Equal(expected.Labels.OrderBy(l => l.Key, StringComparer.Ordinal), actual.Labels.OrderBy(l => l.Key, StringComparer.Ordinal));
        Assert.Equal(expected.Ephemeral, actual.Ephemeral);
        Assert.Equal(expected.Subscription, actual.Subscription, StringComparer.Ordinal);
    }
}
