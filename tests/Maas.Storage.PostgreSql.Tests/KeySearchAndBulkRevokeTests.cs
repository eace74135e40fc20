using Maas.ApiKeys;
using Maas.Revocation;
using Maas.Storage.Migrations;
using Maas.Storage.PostgreSql.Migrations;
using Maas.Testing;
using Npgsql;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>
/// What only the shared store must do for issue 12: a bulk revoke reaches every replica, one
/// announcement per key, and searches walk the indexes (first and deep cursor pages alike).
/// </summary>
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

    [Fact]
    public async Task Searches_walk_the_indexes_without_sorting_on_the_first_and_a_deep_cursor_page()
    {
        // One load for every case: filling the table is the slow part.
        await using var database = await TestDatabase.CreateAsync(server);
        await database.CreateInitializedStoreAsync();
        await LoadAsync(database);
        var position = new ApiKeySearchPosition("k000050000", new DateTimeOffset(2025, 1, 1, 13, 0, 0, TimeSpan.Zero), "name400");

        foreach (var (sortBy, descending, index) in new[]
        {
            (ApiKeySortField.CreatedAt, true, "api_keys_owner_listing_idx"),
            (ApiKeySortField.CreatedAt, false, "api_keys_owner_listing_idx"),
            (ApiKeySortField.ExpiresAt, false, "api_keys_owner_expires_idx"),
            (ApiKeySortField.ExpiresAt, true, "api_keys_owner_expires_idx"),
            (ApiKeySortField.Name, true, "api_keys_owner_name_idx"),
            (ApiKeySortField.Name, false, "api_keys_owner_name_idx"),
        })
        {
            // An owner's search, as every non-administrator's is.
            var first = new ApiKeySearch { Owner = "alice", SortBy = sortBy, Descending = descending, Now = TestKeys.Epoch, Statuses = [ApiKeyStatus.Active] };
            foreach (var search in new[] { first, first with { After = position } })
            {
                var plan = await ExplainAsync(database, search);
                Assert.True(plan.Contains(index, StringComparison.Ordinal), plan);
                Assert.DoesNotContain("Sort", plan, StringComparison.Ordinal);
                Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
            }
        }

        // An administrator's search of everyone, newest first, deep: the creation index.
        var everyone = new ApiKeySearch { SortBy = ApiKeySortField.CreatedAt, Now = TestKeys.Epoch, After = position };
        var everyonePlan = await ExplainAsync(database, everyone);
        Assert.True(everyonePlan.Contains("api_keys_created_idx", StringComparison.Ordinal), everyonePlan);
        Assert.DoesNotContain("Sort", everyonePlan, StringComparison.Ordinal);

        // A rare label across everyone's keys: the GIN index.
        var labelled = await ExplainAsync(database, everyone with { After = null, SortBy = ApiKeySortField.Name, Labels = new Dictionary<string, string> { ["rare"] = "yes" } });
        Assert.True(labelled.Contains("api_keys_labels_idx", StringComparison.Ordinal), labelled);
    }

    [Fact]
    public async Task A_database_at_version_1_migrates_to_labels_and_search_keeping_its_keys()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        await using (var dataSource = database.CreateDataSource())
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var versionOne = new SchemaMigrator([PostgreSqlSchema.Migrations[0]], new PostgreSqlMigrationDialect(), TimeProvider.System, null);
            await versionOne.MigrateAsync(connection, CancellationToken.None);
            await using var insert = new NpgsqlCommand(
                "INSERT INTO api_keys (id, owner, owner_groups, name, hash, created_at, expires_at) VALUES ('old', 'alice', ARRAY['g'], 'before', '\\x01', now(), now() + interval '1 day')",
                connection);
            await insert.ExecuteNonQueryAsync();
        }

        var store = database.CreateStore();
        var result = await store.InitializeAsync();

        Assert.Equal(1, result.FromVersion);
        Assert.Equal(PostgreSqlSchema.Migrations.Count, result.ToVersion);
        var old = await store.FindByIdAsync("old");
        Assert.Empty(old!.Labels);
        var page = await store.SearchAsync(new ApiKeySearch { Owner = "alice", SortBy = ApiKeySortField.Name, Now = TestKeys.Epoch });
        Assert.Equal(["old"], page.Keys.Select(k => k.Id));
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
