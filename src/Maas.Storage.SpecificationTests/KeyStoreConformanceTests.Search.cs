using Maas.ApiKeys;

namespace Maas.Storage.SpecificationTests;

/// <summary>Labels, reads of any owner's key, search (filters, sorts, offset and keyset pages) and bulk revoke, on every store.</summary>
public abstract partial class KeyStoreConformanceTests
{
    public static TheoryData<ApiKeySortField, bool> Sorts()
    {
        var data = new TheoryData<ApiKeySortField, bool>();
        foreach (var field in Enum.GetValues<ApiKeySortField>())
        {
            data.Add(field, true);
            data.Add(field, false);
        }

        return data;
    }

    // ---- labels and reads by id ----

    [Fact]
    public async Task Labels_round_trip_exactly_and_a_key_without_labels_has_none()
    {
        var store = await CreateStoreAsync();
        var labels = Enumerable.Range(0, 50).ToDictionary(i => $"team.example.com/k-{i:D2}", i => i == 0 ? "Grüße ✓ 😀 \\\"quoted\\\"" : new string('v', 1024));
        var labelled = TestKeys.Create("alice") with { Labels = labels };
        var plain = TestKeys.Create("alice");
        await store.AddAsync(labelled);
        await store.AddAsync(plain);

        AssertSameRecord(labelled, await store.GetAsync("alice", labelled.Id));
        Assert.Empty((await store.GetAsync("alice", plain.Id))!.Labels);
        AssertSameRecord(labelled, await store.FindByHashAsync(labelled.Hash));
    }

    [Fact]
    public async Task Find_by_id_finds_any_owners_key_and_nothing_else()
    {
        var store = await CreateStoreAsync();
        var key = TestKeys.Create("bob") with { Labels = new Dictionary<string, string> { ["env"] = "prod" } };
        await store.AddAsync(key);

        AssertSameRecord(key, await AdministrationOf(store).FindByIdAsync(key.Id));
        Assert.Null(await AdministrationOf(store).FindByIdAsync("no-such-key"));
        Assert.Null(await AdministrationOf(store).FindByIdAsync(key.Id[..^1]));
    }

    // ---- filters ----

    [Fact]
    public async Task Search_of_an_owner_finds_only_their_keys_and_without_owner_everyones()
    {
        var store = await CreateStoreAsync();
        var alice = await AddAsync(store, TestKeys.Create("alice"), TestKeys.Create("alice", TestKeys.Epoch.AddSeconds(1)));
        var bob = await AddAsync(store, TestKeys.Create("bob"), TestKeys.Create("Alice"));

        Assert.Equal(Ids(alice).Order(StringComparer.Ordinal), (await SearchAllAsync(store, Search("alice"))).Select(k => k.Id).Order(StringComparer.Ordinal));
        Assert.Equal(Ids([.. alice, .. bob]).Order(StringComparer.Ordinal), (await SearchAllAsync(store, Search(null))).Select(k => k.Id).Order(StringComparer.Ordinal));
        Assert.Empty((await AdministrationOf(store).SearchAsync(Search("carol"))).Keys);
    }

    [Fact]
    public async Task Search_filters_by_every_status_and_any_combination_at_its_instant()
    {
        var store = await CreateStoreAsync();
        var now = TestKeys.Epoch.AddDays(10);
        var active = TestKeys.Create("alice", lifetime: TimeSpan.FromDays(30));
        var expiresNow = TestKeys.Create("alice", lifetime: TimeSpan.FromDays(10));
        var expired = TestKeys.Create("alice", lifetime: TimeSpan.FromDays(1));
        var revoked = TestKeys.Create("alice", lifetime: TimeSpan.FromDays(30));
        var revokedExpired = TestKeys.Create("alice", lifetime: TimeSpan.FromDays(1));
        await AddAsync(store, active, expiresNow, expired, revoked, revokedExpired);
        await store.RevokeAsync("alice", revoked.Id, TestKeys.Epoch.AddDays(2));
        await store.RevokeAsync("alice", revokedExpired.Id, TestKeys.Epoch.AddDays(2));

        async Task<string[]> FindAsync(params ApiKeyStatus[] statuses) =>
            [.. (await SearchAllAsync(store, Search("alice") with { Now = now, Statuses = statuses })).Select(k => k.Id).Order(StringComparer.Ordinal)];

        Assert.Equal(Ids([active]), await FindAsync(ApiKeyStatus.Active));
        Assert.Equal(Ids([expiresNow, expired]).Order(StringComparer.Ordinal), await FindAsync(ApiKeyStatus.Expired));
        Assert.Equal(Ids([revoked, revokedExpired]).Order(StringComparer.Ordinal), await FindAsync(ApiKeyStatus.Revoked));
        Assert.Equal(Ids([active, revoked, revokedExpired]).Order(StringComparer.Ordinal), await FindAsync(ApiKeyStatus.Active, ApiKeyStatus.Revoked));
        Assert.Equal(Ids([active, expiresNow, expired, revoked, revokedExpired]).Order(StringComparer.Ordinal), await FindAsync());
        Assert.Equal(await FindAsync(), await FindAsync(ApiKeyStatus.Active, ApiKeyStatus.Expired, ApiKeyStatus.Revoked));
    }

    [Fact]
    public async Task Search_by_labels_finds_keys_carrying_every_label_with_its_exact_value()
    {
        var store = await CreateStoreAsync();
        var both = TestKeys.Create("alice") with { Labels = new Dictionary<string, string> { ["env"] = "prod", ["team"] = "ml", ["extra"] = "x" } };
        var envOnly = TestKeys.Create("alice") with { Labels = new Dictionary<string, string> { ["env"] = "prod" } };
        var otherValue = TestKeys.Create("alice") with { Labels = new Dictionary<string, string> { ["env"] = "Prod", ["team"] = "ml" } };
        var none = TestKeys.Create("alice");
        var bobs = TestKeys.Create("bob") with { Labels = new Dictionary<string, string> { ["env"] = "prod", ["team"] = "ml" } };
        await AddAsync(store, both, envOnly, otherValue, none, bobs);

        async Task<string[]> FindAsync(string? owner, Dictionary<string, string> labels) =>
            [.. (await SearchAllAsync(store, Search(owner) with { Labels = labels })).Select(k => k.Id).Order(StringComparer.Ordinal)];

        Assert.Equal(Ids([both, envOnly]).Order(StringComparer.Ordinal), await FindAsync("alice", new() { ["env"] = "prod" }));
        Assert.Equal(Ids([both]), await FindAsync("alice", new() { ["env"] = "prod", ["team"] = "ml" }));
        Assert.Equal(Ids([both, bobs]).Order(StringComparer.Ordinal), await FindAsync(null, new() { ["env"] = "prod", ["team"] = "ml" }));
        Assert.Empty(await FindAsync("alice", new() { ["env"] = "prod", ["missing"] = "x" }));
        Assert.Empty(await FindAsync("alice", new() { ["ENV"] = "prod" }));
        Assert.Equal(4, (await FindAsync("alice", new())).Length);
    }

    // ---- sort and pages ----

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task Search_sorts_by_each_field_in_both_directions_with_ties_by_id_and_never_used_keys_last(ApiKeySortField sortBy, bool descending)
    {
        var store = await CreateStoreAsync();
        var keys = await AddSortableKeysAsync(store);
        var expected = Sorted(keys, sortBy, descending);

        var found = await SearchAllAsync(store, Search("alice") with { SortBy = sortBy, Descending = descending, Limit = 100 });

        Assert.Equal(Ids(expected), Ids(found));
    }

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task Keyset_pages_walk_every_key_once_in_order_whatever_the_page_size(ApiKeySortField sortBy, bool descending)
    {
        var store = await CreateStoreAsync();
        var keys = await AddSortableKeysAsync(store);
        var expected = Ids(Sorted(keys, sortBy, descending));

        foreach (var limit in new[] { 1, 2, 3, keys.Count - 1, keys.Count, 100 })
        {
            var walked = new List<string>();
            ApiKeySearchPosition? after = null;
            for (var pages = 0; pages <= keys.Count; pages++)
            {
                var page = await AdministrationOf(store).SearchAsync(Search("alice") with { SortBy = sortBy, Descending = descending, Limit = limit, After = after });
                walked.AddRange(page.Keys.Select(k => k.Id));
                Assert.True(page.Keys.Count <= limit);
                if (!page.HasMore)
                {
                    break;
                }

                after = Position(sortBy, page.Keys[^1]);
            }

            Assert.Equal(expected, walked);
        }
    }

    [Fact]
    public async Task Keyset_pages_neither_repeat_nor_skip_a_key_while_newer_keys_are_added()
    {
        var store = await CreateStoreAsync();
        var original = new List<ApiKeyRecord>();
        for (var i = 0; i < 12; i++)
        {
            original.Add(TestKeys.Create("alice", TestKeys.Epoch.AddSeconds(i)));
        }

        await AddAsync(store, [.. original]);
        var walked = new List<string>();
        ApiKeySearchPosition? after = null;
        for (var added = 0; ; added++)
        {
            var page = await AdministrationOf(store).SearchAsync(Search("alice") with { Limit = 5, After = after });
            walked.AddRange(page.Keys.Select(k => k.Id));

            // Newer keys sort before the cursor (newest first): they never shift the pages still to come.
            await store.AddAsync(TestKeys.Create("alice", TestKeys.Epoch.AddHours(1 + added)));
            if (!page.HasMore)
            {
                break;
            }

            after = Position(ApiKeySortField.CreatedAt, page.Keys[^1]);
        }

        Assert.Equal(Ids(Sorted(original, ApiKeySortField.CreatedAt, descending: true)), walked);
    }

    [Fact]
    public async Task Offset_pages_honour_the_limit_and_say_exactly_whether_more_follow()
    {
        var store = await CreateStoreAsync();
        var keys = new List<ApiKeyRecord>();
        for (var i = 0; i < 7; i++)
        {
            keys.Add(TestKeys.Create("alice", TestKeys.Epoch.AddSeconds(i)));
        }

        await AddAsync(store, [.. keys]);
        var expected = Ids(Sorted(keys, ApiKeySortField.CreatedAt, descending: true));

        var first = await AdministrationOf(store).SearchAsync(Search("alice") with { Limit = 3 });
        Assert.Equal(expected[..3], Ids(first.Keys));
        Assert.True(first.HasMore);
        var last = await AdministrationOf(store).SearchAsync(Search("alice") with { Limit = 3, Offset = 6 });
        Assert.Equal(expected[6..], Ids(last.Keys));
        Assert.False(last.HasMore);
        var exact = await AdministrationOf(store).SearchAsync(Search("alice") with { Limit = 7 });
        Assert.Equal(expected, Ids(exact.Keys));
        Assert.False(exact.HasMore);
        var one = await AdministrationOf(store).SearchAsync(Search("alice") with { Limit = 1, Offset = 5 });
        Assert.Equal([expected[5]], Ids(one.Keys));
        Assert.True(one.HasMore);
        var past = await AdministrationOf(store).SearchAsync(Search("alice") with { Limit = 3, Offset = 50 });
        Assert.Empty(past.Keys);
        Assert.False(past.HasMore);
    }

    // ---- bulk revoke ----

    [Fact]
    public async Task Revoke_active_dry_run_changes_nothing_and_names_exactly_the_keys_the_real_run_revokes()
    {
        var store = await CreateStoreAsync();
        var now = TestKeys.Epoch.AddDays(10);
        var active1 = TestKeys.Create("alice", lifetime: TimeSpan.FromDays(30));
        var active2 = TestKeys.Create("alice", TestKeys.Epoch.AddDays(1), lifetime: TimeSpan.FromDays(30));
        var expired = TestKeys.Create("alice", lifetime: TimeSpan.FromDays(10));
        var revoked = TestKeys.Create("alice", lifetime: TimeSpan.FromDays(30));
        var bobs = TestKeys.Create("bob", lifetime: TimeSpan.FromDays(30));
        await AddAsync(store, active1, active2, expired, revoked, bobs);
        var revokedAt = TestKeys.Epoch.AddDays(2);
        await store.RevokeAsync("alice", revoked.Id, revokedAt);

        var dry = await AdministrationOf(store).RevokeActiveAsync("alice", now, dryRun: true);
        Assert.Equal(Ids([active1, active2]).Order(StringComparer.Ordinal), dry.Order(StringComparer.Ordinal));
        Assert.All(await ListAsync(store, "alice"), k => Assert.True(k.Id == revoked.Id ? k.RevokedAt == revokedAt : k.RevokedAt is null));

        var real = await AdministrationOf(store).RevokeActiveAsync("alice", now, dryRun: false);
        Assert.Equal(dry.Order(StringComparer.Ordinal), real.Order(StringComparer.Ordinal));
        Assert.Equal(now, (await store.GetAsync("alice", active1.Id))!.RevokedAt);
        Assert.Equal(now, (await store.GetAsync("alice", active2.Id))!.RevokedAt);
        Assert.Null((await store.GetAsync("alice", expired.Id))!.RevokedAt);
        Assert.Equal(revokedAt, (await store.GetAsync("alice", revoked.Id))!.RevokedAt);
        Assert.Null((await store.GetAsync("bob", bobs.Id))!.RevokedAt);
        Assert.Null(await store.GetRevokedBeforeAsync("alice"));

        Assert.Empty(await AdministrationOf(store).RevokeActiveAsync("alice", now, dryRun: true));
        Assert.Empty(await AdministrationOf(store).RevokeActiveAsync("alice", now, dryRun: false));
        Assert.Empty(await AdministrationOf(store).RevokeActiveAsync("carol", now, dryRun: false));
    }

    // ---- helpers ----

    /// <summary>A search of <paramref name="owner"/>'s keys (or everyone's), any status, at the test epoch.</summary>
    protected static ApiKeySearch Search(string? owner) => new() { Owner = owner, Now = TestKeys.Epoch, Limit = 100 };

    /// <summary>Reads every page of a search through keyset positions.</summary>
    protected static async Task<List<ApiKeyRecord>> SearchAllAsync(IKeyStore store, ApiKeySearch search)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(search);
        var result = new List<ApiKeyRecord>();
        var current = search;
        while (true)
        {
            var page = await AdministrationOf(store).SearchAsync(current);
            result.AddRange(page.Keys);
            if (!page.HasMore)
            {
                return result;
            }

            current = current with { After = Position(search.SortBy, page.Keys[^1]) };
        }
    }

    /// <summary>The keyset position after <paramref name="key"/> in a <paramref name="sortBy"/> order.</summary>
    protected static ApiKeySearchPosition Position(ApiKeySortField sortBy, ApiKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return sortBy switch
        {
            ApiKeySortField.Name => new(key.Id, null, key.Name),
            ApiKeySortField.ExpiresAt => new(key.Id, key.ExpiresAt, null),
            ApiKeySortField.LastUsedAt => new(key.Id, key.LastUsedAt, null),
            _ => new(key.Id, key.CreatedAt, null),
        };
    }

    private static async Task<ApiKeyRecord[]> AddAsync(IKeyStore store, params ApiKeyRecord[] keys)
    {
        foreach (var key in keys)
        {
            await store.AddAsync(key);
        }

        return keys;
    }

    private static string[] Ids(IEnumerable<ApiKeyRecord> keys) => [.. keys.Select(k => k.Id)];

    /// <summary>
    /// Keys with ties in every sort value, never-used ones, and names whose code-point order differs
    /// from UTF-16 order (U+FF21 before U+1F600) and from linguistic order ("B" before "a").
    /// </summary>
    private static async Task<List<ApiKeyRecord>> AddSortableKeysAsync(IKeyStore store)
    {
        var t = TestKeys.Epoch;
        string[] names = ["a", "B", "\uFF21", "😀", "a", "é", "B", "z", "", "a"];
        var keys = new List<ApiKeyRecord>();
        for (var i = 0; i < names.Length; i++)
        {
            keys.Add(TestKeys.Create(
                "alice",
                t.AddSeconds(i % 4),
                id: $"k{(i * 7) % 10}{(char)('A' + i)}",
                name: names[i].Length == 0 ? "x" : names[i],
                lifetime: TimeSpan.FromDays(1 + (i % 3))));
        }

        await AddAsync(store, [.. keys]);
        await store.AddAsync(TestKeys.Create("bob", t));
        var usages = new List<KeyUsage>();
        for (var i = 0; i < keys.Count; i += 2)
        {
            // Half the keys used, some at the same instant; the others never.
            var usedAt = t.AddMinutes(i % 3);
            usages.Add(new KeyUsage(keys[i].Id, usedAt));
            keys[i] = keys[i] with { LastUsedAt = usedAt };
        }

        await UsageOf(store).RecordUsageAsync(usages);
        return keys;
    }

    private static List<ApiKeyRecord> Sorted(IEnumerable<ApiKeyRecord> keys, ApiKeySortField sortBy, bool descending)
    {
        var list = keys.ToList();
        list.Sort((x, y) =>
        {
            if (sortBy == ApiKeySortField.LastUsedAt && (x.LastUsedAt is null) != (y.LastUsedAt is null))
            {
                return x.LastUsedAt is null ? 1 : -1;
            }

            var byValue = sortBy switch
            {
                ApiKeySortField.ExpiresAt => x.ExpiresAt.CompareTo(y.ExpiresAt),
                ApiKeySortField.LastUsedAt => Nullable.Compare(x.LastUsedAt, y.LastUsedAt),
                ApiKeySortField.Name => CompareUtf8(x.Name, y.Name),
                _ => x.CreatedAt.CompareTo(y.CreatedAt),
            };
            var result = byValue != 0 ? byValue : string.CompareOrdinal(x.Id, y.Id);
            return descending ? -result : result;
        });
        return list;
    }

    private static int CompareUtf8(string x, string y) =>
        System.Text.Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(y));
}
