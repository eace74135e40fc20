using Maas.Storage.SpecificationTests;
using Maas.Testing;
using Maas.Usage;

namespace Maas.Storage.Sqlite.Tests;

/// <summary>The shared <see cref="IUsageLedger"/> conformance suite on real SQLite files; another replica is a second store on the same file.</summary>
public sealed class SqliteUsageLedgerConformanceTests : UsageLedgerConformanceTests
{
    private readonly TemporaryDirectory _folder = new();
    private readonly List<SqliteKeyStore> _stores = [];

    protected override async Task<IUsageLedger> CreateLedgerAsync() => await OpenAsync(_folder.Combine($"ledger-{_stores.Count}.db"));

    protected override async Task<IUsageLedger> OpenAnotherReplicaAsync(IUsageLedger ledger) => await OpenAsync(((SqliteKeyStore)ledger).FullPath);

    public override async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        _folder.Dispose();
    }

    private async Task<SqliteKeyStore> OpenAsync(string path)
    {
        var store = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = path });
        _stores.Add(store);
        await store.InitializeAsync();
        return store;
    }
}
