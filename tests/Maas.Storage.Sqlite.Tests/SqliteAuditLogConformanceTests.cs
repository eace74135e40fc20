using Maas.Auditing;
using Maas.Testing;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.Sqlite.Tests;

public sealed class SqliteAuditLogConformanceTests : AuditLogConformanceTests
{
    private readonly TemporaryDirectory _folder = new();
    private readonly List<SqliteKeyStore> _stores = [];

    protected override async Task<IAuditLog> CreateAuditLogAsync()
    {
        var store = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = _folder.Combine($"audit-{_stores.Count}.db") });
        _stores.Add(store);
        await store.InitializeAsync();
        return store;
    }

    public override async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        _folder.Dispose();
    }
}
