using Maas.Testing;
using Npgsql;
using NpgsqlTypes;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>
/// The membership filter's start-up read (<see cref="PostgreSqlKeyStore.ListHashesAsync"/>): every
/// hash once across page boundaries, each page an index-only scan of the hash index.
/// Its server to itself: a VACUUM marks the pages all-visible only when no other snapshot on the server
/// is older than the rows, which the parallel classes on the assembly's server do not promise.
/// </summary>
[Collection(RestartedServerCollectionDefinition.Name)]
public sealed class HashListingTests(PostgreSqlServer server)
{
    [Fact]
    public async Task Every_hash_is_listed_once_across_pages_and_a_page_reads_only_the_hash_index()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var store = await database.CreateInitializedStoreAsync();
        const int Keys = (PostgreSqlKeyStore.HashPageSize * 2) + 1;
        // A synchronous commit: the test server commits asynchronously, and until the commit is
        // flushed VACUUM can neither set the rows' hint bits nor mark their pages all-visible.
        await database.ExecuteScalarAsync(
            $"""
            SET synchronous_commit = on;
            INSERT INTO api_keys (id, owner, owner_groups, name, hash, created_at, expires_at)
            SELECT 'k' || g, 'user' || (g % 100), ARRAY['system:authenticated'], 'k', sha256(g::text::bytea), now(), now() + interval '1 day'
            FROM generate_series(1, {Keys}) AS g
            """);
        await database.ExecuteScalarAsync("VACUUM (ANALYZE) api_keys");

        var listed = new List<byte[]>();
        await foreach (var hash in store.ListHashesAsync())
        {
            listed.Add(hash);
        }

        Assert.Equal(Keys, listed.Count);
        Assert.Equal(Keys, listed.Select(Convert.ToHexString).Distinct().Count());
        Assert.Equal(listed.Select(Convert.ToHexString).Order(StringComparer.Ordinal), listed.Select(Convert.ToHexString));

        await using var dataSource = database.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var sql in new[] { PostgreSqlKeyStore.FirstHashPageSql, PostgreSqlKeyStore.NextHashPageSql })
        {
#pragma warning disable CA2100 // The store's own SQL, prefixed with EXPLAIN.
            await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, COSTS OFF) " + sql, connection);
#pragma warning restore CA2100
            explain.Parameters.AddWithValue("limit", PostgreSqlKeyStore.HashPageSize);
            explain.Parameters.AddWithValue("after", NpgsqlDbType.Bytea, listed[PostgreSqlKeyStore.HashPageSize - 1]);
            var lines = new List<string>();
            await using var reader = await explain.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0));
            }

            var plan = string.Join('\n', lines);
            Assert.True(plan.Contains("Index Only Scan using api_keys_hash_key", StringComparison.Ordinal), plan);
            Assert.True(plan.Contains("Heap Fetches: 0", StringComparison.Ordinal), plan);
        }
    }
}
