using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Storage.InMemory;
using Maas.Testing;
using Maas.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Core.Tests.Service;

/// <summary>
/// What happens when the audit trail cannot be written: nothing that works goes unrecorded. A key
/// and its creation entry are one store write, so a key is never stored without it; a revocation
/// stands and its retry records it.
/// </summary>
public sealed class AuditFailureTests : IDisposable
{
    private static readonly MaasUser Alice = new("alice", ["system:authenticated"]);
    private readonly CountingKeyStore _store = new(InMemoryStorage.CreateKeyStore());
    private readonly FailingAuditLog _audit;
    private readonly ServiceProvider _services;
    private readonly MaasServices _maas;

    public AuditFailureTests()
    {
        _audit = new FailingAuditLog(_store);
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IKeyStore>(_store).AddSingleton<IAuditLog>(_audit);
        services.AddMaasCore();
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero))));
        _services = services.BuildServiceProvider();
        _maas = MaasServices.From(_services);
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task A_created_key_is_stored_with_its_entry_in_one_write_not_appended_after_it()
    {
        // Appending on its own would fail: creation never does, it hands the store both.
        _audit.Failing = true;

        var created = await _maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "k" }, new MaasRequestContext { RequestId = "req-1", ClientAddress = "192.0.2.1" });

        var entry = Assert.Single((await _store.QueryAsync(new AuditQuery())).Entries);
        Assert.Equal((AuditAction.Create, "alice", "alice", created.Record.Id, "req-1", "192.0.2.1"),
            (entry.Action, entry.Actor, entry.Subject, entry.KeyId, entry.RequestId, entry.ClientAddress));
        Assert.Equal(created.Record.CreatedAt, entry.At);
    }

    [Fact]
    public async Task A_key_whose_store_write_fails_does_not_exist_and_has_no_entry()
    {
        _store.FailAdd = new StoreUnavailableException("The key store is unavailable.");

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await _maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "k" }));

        Assert.Empty(await _maas.ApiKeys.ListAsync(Alice));
        Assert.Empty((await _store.QueryAsync(new AuditQuery())).Entries);
    }

    [Fact]
    public async Task A_revocation_that_cannot_be_recorded_stands_and_its_retry_records_it()
    {
        var created = await _maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "k" });
        _audit.Failing = true;

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await _maas.ApiKeys.RevokeAsync(Alice, created.Record.Id));
        Assert.Equal(ApiKeyStatus.Revoked, (await _maas.ApiKeys.GetAsync(Alice, created.Record.Id))!.StatusAt(_maas.Now));

        _audit.Failing = false;
        Assert.True(await _maas.ApiKeys.RevokeAsync(Alice, created.Record.Id));
        var page = await _store.QueryAsync(new AuditQuery());
        Assert.Equal([AuditAction.Revoke, AuditAction.Create], page.Entries.Select(e => e.Action));
    }

    [Fact]
    public async Task A_revoke_all_that_cannot_be_recorded_stands_and_its_retry_records_it()
    {
        await _maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "k" });
        _audit.Failing = true;

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await _maas.Revocation.RevokeAllAsync(Alice));

        _audit.Failing = false;
        Assert.Equal(0, await _maas.Revocation.RevokeAllAsync(Alice));
        var entries = (await _store.QueryAsync(new AuditQuery())).Entries;
        Assert.Equal(AuditAction.RevokeAll, entries[0].Action);
        Assert.Equal(ApiKeyStatus.Revoked, Assert.Single(await _maas.ApiKeys.ListAsync(Alice)).StatusAt(_maas.Now));
    }

    private sealed class FailingAuditLog(IAuditLog inner) : IAuditLog
    {
        public bool Failing { get; set; }

        public ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
            Failing ? ValueTask.FromException(new StoreUnavailableException("The audit trail is unavailable.")) : inner.AppendAsync(entry, cancellationToken);

        public ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);
    }
}
