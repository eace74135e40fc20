using Maas.Auditing;
using Maas.Storage.InMemory;
using Maas.Testing;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.Tests.InMemory;

public sealed class InMemoryAuditLogConformanceTests : AuditLogConformanceTests
{
    protected override Task<IAuditLog> CreateAuditLogAsync() => Task.FromResult((IAuditLog)InMemoryStorage.CreateKeyStore());
}
