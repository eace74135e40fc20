using Maas.Storage.Migrations;
using Maas.Storage.PostgreSql.Migrations;
using Maas.Testing;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.PostgreSql.Tests;

public sealed class MigrationTests(PostgreSqlServer server)
{
    [Fact]
    public async Task Five_replicas_starting_together_on_a_fresh_database_migrate_once()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var stores = Enumerable.Range(0, 5).Select(_ => database.CreateStore()).ToList();

        var results = await Task.WhenAll(stores.Select(s => Task.Run(() => s.InitializeAsync())));

        Assert.Single(results, r => r.Applied > 0);
        Assert.All(results, r => Assert.Equal(PostgreSqlSchema.Migrations.Count, r.ToVersion));
        Assert.Equal(
            (long)PostgreSqlSchema.Migrations.Count,
            await database.ExecuteScalarAsync($"SELECT count(*) FROM {SchemaMigrationDialect.VersionTable}"));
        Assert.Equal(1L, await database.ExecuteScalarAsync($"SELECT count(*) FROM {SchemaMigrationDialect.VersionTable} WHERE version = 1"));
    }

    [Fact]
    public async Task A_restarted_replica_finds_nothing_to_migrate_and_keeps_the_data()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var first = await database.CreateInitializedStoreAsync();
        var key = TestKeys.Create("alice");
        await first.AddAsync(key);

        var second = database.CreateStore();
        var result = await second.InitializeAsync();

        Assert.Equal(0, result.Applied);
        Assert.Equal(key.Id, (await second.GetAsync("alice", key.Id))!.Id);
    }

    [Fact]
    public async Task A_database_written_by_a_newer_version_is_refused_with_a_clear_message()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        await database.CreateInitializedStoreAsync();
        var newer = PostgreSqlSchema.Migrations.Count + 1;
        await database.ExecuteScalarAsync(
            $"INSERT INTO {SchemaMigrationDialect.VersionTable} (version, description, applied_at) VALUES ({newer}, 'from the future', now())");

        var error = await Assert.ThrowsAsync<SchemaTooNewException>(() => database.CreateStore().InitializeAsync());

        Assert.Equal(newer, error.DatabaseVersion);
        Assert.Equal(PostgreSqlSchema.Migrations.Count, error.SupportedVersion);
        Assert.Contains($"version {newer}", error.Message, StringComparison.Ordinal);
        Assert.Contains("upgrade", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schema_has_the_listing_index_and_the_unique_hash()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        await database.CreateInitializedStoreAsync();

        var listing = (string?)await database.ExecuteScalarAsync(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'api_keys' AND indexname = 'api_keys_owner_listing_idx'");
        var hash = (string?)await database.ExecuteScalarAsync(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'api_keys' AND indexname = 'api_keys_hash_key'");
        var created = (string?)await database.ExecuteScalarAsync(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'api_keys' AND column_name = 'created_at'");

        Assert.Contains("(owner, created_at DESC, id DESC)", listing, StringComparison.Ordinal);
        Assert.Contains("UNIQUE", hash, StringComparison.Ordinal);
        Assert.Equal("timestamp with time zone", created);
    }
}
