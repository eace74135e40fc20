using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Storage.InMemory;
using Maas.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Core.Tests.ApiKeys;

/// <summary>
/// A store registered once as <see cref="IKeyStore"/> serves every capability it implements as the
/// same instance; a store that lacks one Maas needs is refused with a message naming it.
/// </summary>
public sealed class KeyStoreCapabilityTests
{
    [Fact]
    public void A_store_registered_once_serves_administration_and_usage_as_the_same_instance()
    {
        var store = new CountingKeyStore(InMemoryStorage.CreateKeyStore());
        using var services = Build(store);

        Assert.Same(store, services.GetRequiredService<IKeyAdministrationStore>());
        Assert.Same(store, services.GetRequiredService<IKeyUsageStore>());
    }

    [Fact]
    public void A_store_without_a_capability_Maas_needs_is_refused_naming_it()
    {
        using var services = Build(new NarrowKeyStore(InMemoryStorage.CreateKeyStore()));

        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<ApiKeyService>());

        Assert.Contains(nameof(IKeyAdministrationStore), error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(NarrowKeyStore), error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(IKeyStore store)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(store).AddSingleton((IAuditLog)InMemoryStorage.CreateKeyStore());
        services.AddMaasCore();
        return services.BuildServiceProvider();
    }

    /// <summary>Only what every store must do: no administration, no usage.</summary>
    private sealed class NarrowKeyStore(IKeyStore inner) : IKeyStore
    {
        public ValueTask AddAsync(ApiKeyRecord key, AuditEntry? audit = null, CancellationToken cancellationToken = default) => inner.AddAsync(key, audit, cancellationToken);

        public IAsyncEnumerable<ApiKeyRecord> ListAsync(string owner, CancellationToken cancellationToken = default) => inner.ListAsync(owner, cancellationToken);

        public ValueTask<ApiKeyRecord?> GetAsync(string owner, string id, CancellationToken cancellationToken = default) => inner.GetAsync(owner, id, cancellationToken);

        public ValueTask<bool> RevokeAsync(string owner, string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default) =>
            inner.RevokeAsync(owner, id, revokedAt, cancellationToken);

        public ValueTask<int> RevokeAllAsync(string owner, DateTimeOffset revokedBefore, CancellationToken cancellationToken = default) =>
            inner.RevokeAllAsync(owner, revokedBefore, cancellationToken);

        public ValueTask<ApiKeyRecord?> FindByHashAsync(ReadOnlyMemory<byte> hash, CancellationToken cancellationToken = default) => inner.FindByHashAsync(hash, cancellationToken);

        public ValueTask<DateTimeOffset?> GetRevokedBeforeAsync(string owner, CancellationToken cancellationToken = default) => inner.GetRevokedBeforeAsync(owner, cancellationToken);

        public ValueTask<KeyRotationResult> RotateAsync(KeyRotation rotation, CancellationToken cancellationToken = default) => inner.RotateAsync(rotation, cancellationToken);
    }
}
