using Maas.ApiKeys;
using Maas.Storage.InMemory;
using Maas.Testing;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.Tests.InMemory;

public sealed class InMemoryKeyStoreConformanceTests : KeyStoreConformanceTests
{
    protected override Task<IKeyStore> CreateStoreAsync() => Task.FromResult(InMemoryStorage.CreateKeyStore());
}
