using Maas.Auditing;
using Maas.Testing;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>The shared <see cref="IAuditLog"/> conformance suite against a real PostgreSQL server, one fresh database per trail.</summary>
public sealed class PostgreSqlAuditLogConformanceTests(PostgreSqlServer server) : AuditLogConformanceTests
{
    private readonly List<TestDatabase> _databases = [];

    protected override async Task<IAuditLog> CreateAuditLogAsync()
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
