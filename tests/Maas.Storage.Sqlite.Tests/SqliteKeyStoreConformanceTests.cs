using Maas.ApiKeys;
using Maas.Testing;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.Sqlite.Tests;

public sealed class SqliteKeyStoreConformanceTests : KeyStoreConformanceTests
{
    private readonly TemporaryDirectory _folder = new();
    private readonly List<SqliteKeyStore> _stores = [];

    protected override async Task<IKeyStore> CreateStoreAsync()
    {
        var store = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = _folder.Combine($"keys-{_stores.Count}.db") });
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
