using Maas.ApiKeys;
using Maas.Revocation;
using Maas.Testing;
using Npgsql;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>
/// What only the shared store must do for issue 12: a bulk revoke reaches every replica, one
/// announcement per key, and searches walk the indexes (first and deep cursor pages alike).
/// </summary>
[Collection(ServerCollectionDefinition.Name)]
public sealed class KeySearchAndBulkRevokeTests(PostgreSqlServer server)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_bulk_revoke_on_replica_A_announces_every_revoked_key_on_replica_B_and_a_dry_run_none()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var storeA = await database.CreateInitializedStoreAsync();
        var signalB = new RevocationSignal();
        await database.StartListenerAsync(signalB);
        var events = new List<RevocationEvent>();
        using var subscription = signalB.Subscribe(e =>
        {
            lock (events)
            {
                events.Add(e);
            }
        });
        var keys = Enumerable.Range(0, 5).Select(_ => TestKeys.Create("alice")).ToList();
        foreach (var key in keys)
        {
            await storeA.AddAsync(key);
        }

        Assert.Equal(5, (await storeA.RevokeActiveAsync("alice", TestKeys.Epoch, dryRun: true)).Count);
        var revoked = await storeA.RevokeActiveAsync("alice", TestKeys.Epoch, dryRun: false);
        Assert.Equal(keys.Select(k => k.Id).Order(StringComparer.Ordinal), revoked.Order(StringComparer.Ordinal));

        // A marker revoked after: once it arrives, everything the bulk revoke announced has too (commit order).
        var marker = TestKeys.Create("marker");
        await storeA.AddAsync(marker);
        var markerSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var markerSubscription = signalB.Subscribe(e =>
        {
            if (e.KeyId == marker.Id)
            {
                markerSeen.TrySetResult();
            }
        });
        Assert.True(await storeA.RevokeAsync("marker", marker.Id, TestKeys.Epoch));
        await markerSeen.Task.WaitAsync(Patience);
        lock (events)
        {
            var forAlice = events.Where(e => e.Owner == "alice").ToList();
            Assert.Equal(revoked.Order(StringComparer.Ordinal), forAlice.Select(e => e.KeyId!).Order(StringComparer.Ordinal));
            Assert.All(forAlice, e => Assert.False(e.Resynchronize));
        }
    }

    [Theory]
    [InlineData(ApiKeySortField.CreatedAt, true, "api_keys_owner_listing_idx")]
    [InlineData(ApiKeySortField.CreatedAt, false, "api_keys_owner_listing_idx")]
    [InlineData(ApiKeySortField.ExpiresAt, false, "api_keys_owner_expires_idx")]
    [InlineData(ApiKeySortField.Name, true, "api_keys_owner_name_idx")]
    public async Task An_owners_search_and_its_deep_cursor_page_walk_the_owner_index_without_sorting(ApiKeySortField sortBy, bool descending, string index)
    {
        await using var database = await TestDatabase.CreateAsync(server);
        await database.CreateInitializedStoreAsync();
        await LoadAsync(database);

        var first = new ApiKeySearch { Owner = "alice", SortBy = sortBy, Descending = descending, Now = TestKeys.Epoch, Statuses = [ApiKeyStatus.Active] };
        var deep = first with { After = new ApiKeySearchPosition("k000050000", new DateTimeOffset(2025, 1, 1, 13, 0, 0, TimeSpan.Zero), "name400") };
        foreach (var search in new[] { first, deep })
        {
            var plan = await ExplainAsync(database, search);
            Assert.True(plan.Contains(index, StringComparison.Ordinal), plan);
            Assert.DoesNotContain("Sort", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_administrators_search_of_everyone_by_creation_walks_the_creation_index()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        await database.CreateInitializedStoreAsync();
        await LoadAsync(database);

        var search = new ApiKeySearch { SortBy = ApiKeySortField.CreatedAt, Now = TestKeys.Epoch, After = new ApiKeySearchPosition("k000050000", new DateTimeOffset(2025, 1, 1, 13, 0, 0, TimeSpan.Zero), null) };
        var plan = await ExplainAsync(database, search);
        Assert.Contains("api_keys_created_idx", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Sort", plan, StringComparison.Ordinal);

        var labelled = await ExplainAsync(database, search with { After = null, SortBy = ApiKeySortField.Name, Labels = new Dictionary<string, string> { ["rare"] = "yes" } });
        Assert.Contains("api_keys_labels_idx", labelled, StringComparison.Ordinal);
    }

    // 100,000 keys of 1,000 owners (alice holds 200, one in 500, as an owner among many does), 10 labelled "rare", statistics up to date.
    private static async Task LoadAsync(TestDatabase database)
    {
        await database.ExecuteScalarAsync(
            """
            INSERT INTO api_keys (id, owner, owner_groups, name, description, hash, created_at, expires_at, labels)
            SELECT 'k' || lpad(g::text, 9, '0'),
                   CASE WHEN g % 500 = 0 THEN 'alice' ELSE 'user' || (g % 1000) END,
                   ARRAY['system:authenticated'], 'name' || (g % 777), NULL, sha256(g::text::bytea),
                   timestamptz '2025-01-01' + g * interval '1 second',
                   timestamptz '2026-01-01' + (g % 5000) * interval '1 minute',
                   CASE WHEN g % 10000 = 0 THEN '{"rare":"yes"}'::jsonb ELSE '{}'::jsonb END
            FROM generate_series(1, 100000) AS g;
            ANALYZE api_keys;
            """);
    }

    private static async Task<string> ExplainAsync(TestDatabase database, ApiKeySearch search)
    {
        await using var dataSource = database.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = PostgreSqlSearchQuery.Create(connection, "id, name", search);
#pragma warning disable CA2100 // The store's own SQL, prefixed with EXPLAIN.
        command.CommandText = "EXPLAIN " + command.CommandText;
#pragma warning restore CA2100
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
