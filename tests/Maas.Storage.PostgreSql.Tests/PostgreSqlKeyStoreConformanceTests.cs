using Maas.ApiKeys;
using Maas.Testing;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>The shared <see cref="IKeyStore"/> conformance suite against a real PostgreSQL server, one fresh database per store.</summary>
public sealed class PostgreSqlKeyStoreConformanceTests(PostgreSqlServer server) : KeyStoreConformanceTests
{
    private readonly List<TestDatabase> _databases = [];

    protected override async Task<IKeyStore> CreateStoreAsync()
    {
        var database = await TestDatabase.CreateAsync(server);
        _databases.Add(database);
        return await database.CreateInitializedStoreAsync();
    }

    public override async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
    }
}
