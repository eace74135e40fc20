using Maas.Storage.InMemory;
using Maas.Storage.SpecificationTests;
using Maas.Usage;

namespace Maas.Storage.Tests.InMemory;

public sealed class InMemoryUsageLedgerConformanceTests : UsageLedgerConformanceTests
{
    protected override Task<IUsageLedger> CreateLedgerAsync() => Task.FromResult((IUsageLedger)InMemoryStorage.CreateKeyStore());
}
