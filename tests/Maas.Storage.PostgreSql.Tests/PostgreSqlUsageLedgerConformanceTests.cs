using Maas.Storage.SpecificationTests;
using Maas.Testing;
using Maas.Usage;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>The shared <see cref="IUsageLedger"/> conformance suite against a real PostgreSQL server, one fresh database per ledger; another replica is a store on its own pool.</summary>
public sealed class PostgreSqlUsageLedgerConformanceTests(PostgreSqlServer server) : UsageLedgerConformanceTests
{
    private readonly Dictionary<IUsageLedger, TestDatabase> _databases = [];

    protected override async Task<IUsageLedger> CreateLedgerAsync()
    {
        var database = await TestDatabase.CreateAsync(server);
        var store = await database.CreateInitializedStoreAsync();
        _databases.Add(store, database);
        return store;
    }

    protected override Task<IUsageLedger> OpenAnotherReplicaAsync(IUsageLedger ledger) =>
        Task.FromResult<IUsageLedger>(_databases[ledger].CreateStore());

    public override async Task DisposeAsync()
    {
        foreach (var database in _databases.Values)
        {
            await database.DisposeAsync();
        }
    }
}
