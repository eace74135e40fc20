using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Storage.InMemory;
using Maas.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Core.Tests.Service;

/// <summary>
/// What happens when the audit trail cannot be written after an action: nothing that works goes
/// unrecorded. A created key is dropped unseen and revoked; a revocation stands and its retry records it.
/// </summary>
public sealed class AuditFailureTests : IDisposable
{
    private static readonly MaasUser Alice = new("alice", ["system:authenticated"]);
    private readonly IKeyStore _store = InMemoryStorage.CreateKeyStore();
    private readonly FailingAuditLog _audit;
    private readonly ServiceProvider _services;
    private readonly MaasService _maas;

    public AuditFailureTests()
    {
        _audit = new FailingAuditLog((IAuditLog)_store);
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(_store).AddSingleton<IAuditLog>(_audit);
        services.AddMaasCore();
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero))));
        _services = services.BuildServiceProvider();
        _maas = _services.GetRequiredService<MaasService>();
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task A_key_whose_creation_cannot_be_recorded_is_never_shown_and_is_revoked()
    {
        _audit.Failing = true;

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await _maas.CreateApiKeyAsync(Alice, new ApiKeyRequest { Name = "k" }));

        var stored = Assert.Single(await _maas.ListApiKeysAsync(Alice));
        Assert.Equal(ApiKeyStatus.Revoked, stored.StatusAt(_maas.Now));
    }

    [Fact]
    public async Task A_revocation_that_cannot_be_recorded_stands_and_its_retry_records_it()
    {
        var created = await _maas.CreateApiKeyAsync(Alice, new ApiKeyRequest { Name = "k" });
        _audit.Failing = true;

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await _maas.RevokeApiKeyAsync(Alice, created.Record.Id));
        Assert.Equal(ApiKeyStatus.Revoked, (await _maas.GetApiKeyAsync(Alice, created.Record.Id))!.StatusAt(_maas.Now));

        _audit.Failing = false;
        Assert.True(await _maas.RevokeApiKeyAsync(Alice, created.Record.Id));
        var page = await ((IAuditLog)_store).QueryAsync(new AuditQuery());
        Assert.Equal([AuditAction.Revoke, AuditAction.Create], page.Entries.Select(e => e.Action));
    }

    [Fact]
    public async Task A_revoke_all_that_cannot_be_recorded_stands_and_its_retry_records_it()
    {
        await _maas.CreateApiKeyAsync(Alice, new ApiKeyRequest { Name = "k" });
        _audit.Failing = true;

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await _maas.RevokeAllAsync(Alice));

        _audit.Failing = false;
        Assert.Equal(0, await _maas.RevokeAllAsync(Alice));
        var entries = (await ((IAuditLog)_store).QueryAsync(new AuditQuery())).Entries;
        Assert.Equal(AuditAction.RevokeAll, entries[0].Action);
        Assert.Equal(ApiKeyStatus.Revoked, Assert.Single(await _maas.ListApiKeysAsync(Alice)).StatusAt(_maas.Now));
    }

    private sealed class FailingAuditLog(IAuditLog inner) : IAuditLog
    {
        public bool Failing { get; set; }

        public ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
            Failing ? ValueTask.FromException(new StoreUnavailableException("The audit trail is unavailable.")) : inner.AppendAsync(entry, cancellationToken);

        public ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);
    }
}
