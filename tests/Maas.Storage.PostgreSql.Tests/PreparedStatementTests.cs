using Maas.Testing;
using Npgsql;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>The per-request lookups are prepared on the server after their first uses, not parsed and planned every time.</summary>
public sealed class PreparedStatementTests(PostgreSqlServer server)
{
    [Fact]
    public async Task Hash_lookup_and_revoked_before_are_prepared_on_the_connection()
    {
        await using var database = await TestDatabase.CreateAsync(server);

        // One physical connection, so the statements counted below are the store's own.
        var dataSource = database.CreateDataSource(new PostgreSqlStorageOptions { ConnectionUrl = database.Url, MaxOpenConnections = 1, MaxIdleConnections = 1 });
        var store = new PostgreSqlKeyStore(dataSource);
        await store.InitializeAsync();
        var key = TestKeys.Create("alice");
        await store.AddAsync(key);

        for (var i = 0; i < 5; i++)
        {
            Assert.NotNull(await store.FindByHashAsync(key.Hash));
            Assert.Null(await store.GetRevokedBeforeAsync("alice"));
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%api_keys WHERE hash%' OR statement LIKE '%FROM owner_revocations WHERE owner%'",
            connection);
        var prepared = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                prepared.Add(reader.GetString(0));
            }
        }

        Assert.Equal(2, prepared.Count);
    }

    [Fact]
    public void An_explicit_max_auto_prepare_in_a_connection_string_is_kept()
    {
        var options = new PostgreSqlStorageOptions { ConnectionUrl = "Host=h;Database=db;Username=u;Max Auto Prepare=0" };

        var builder = new NpgsqlConnectionStringBuilder(PostgreSqlDataSourceFactory.BuildConnectionString(options));

        Assert.Equal(0, builder.MaxAutoPrepare);
    }
}
