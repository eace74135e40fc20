using System.Diagnostics.Metrics;
using Maas;
using Maas.Administration;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Models;
using Maas.Revocation;
using Maas.Telemetry;
using Maas.Tiers;
using Maas.Tokens;
using Maas.Usage;
using Maas.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers Maas.Core: options, tiers, the built-in token issuer, validation and the services by
/// aggregate (<see cref="TokenService"/>, <see cref="ApiKeyService"/>, <see cref="KeyAdministrationService"/>,
/// <see cref="RevocationService"/>, <see cref="AuditTrail"/>, <see cref="CredentialValidationService"/>,
/// <see cref="Administrators"/>).
/// </summary>
public static class MaasCoreServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Maas core services. Registration is idempotent (<c>TryAdd*</c>): calling it twice,
    /// or after registering your own <see cref="ITokenIssuer"/> or <see cref="IModelCatalog"/>, keeps
    /// the first registration. A storage package must add an <see cref="IKeyStore"/> and an <see cref="IAuditLog"/>.
    /// </summary>
    public static MaasBuilder AddMaasCore(this IServiceCollection services) => AddMaasCore(services, null, null);

    /// <summary>As <see cref="AddMaasCore(IServiceCollection)"/>, with <paramref name="configure"/> applied to the options.</summary>
    public static MaasBuilder AddMaasCore(this IServiceCollection services, Action<MaasOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddMaasCore(services, null, configure);
    }

    /// <summary>
    /// Adds the Maas core services with <see cref="MaasOptions"/> bound from
    /// <paramref name="configuration"/> (the <c>Maas</c> section, such as
    /// <c>builder.Configuration.GetSection("Maas")</c>), then <paramref name="configure"/> applied on
    /// top (either may be <see langword="null"/>). The section is kept on the returned builder, so
    /// storage and other packages bind their sub-sections from it. Idempotent, as the other overload.
    /// </summary>
    public static MaasBuilder AddMaasCore(this IServiceCollection services, IConfiguration? configuration, Action<MaasOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MaasOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(MaasBuilderMarker)))
        {
            return new MaasBuilder(services, configuration);
        }

        services.AddSingleton<MaasBuilderMarker>();
        options.PostConfigure(o =>
        {
            if (o.Tiers.Count == 0)
            {
                foreach (var tier in DefaultTiers.Create())
                {
                    o.Tiers.Add(tier);
                }
            }
        }).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MaasOptions>, MaasOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MaasOptions>, ValidationOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RevocationSignal>();
        services.TryAddSingleton<KeyCreationSignal>();
        services.TryAddSingleton<ITierResolver, TierResolver>();
        services.TryAddSingleton<IModelCatalog, ConfiguredModelCatalog>();
        services.TryAddSingleton<SigningKeyRing>();
        services.TryAddSingleton<IJsonWebKeySource>(sp => sp.GetRequiredService<SigningKeyRing>());
        services.TryAddSingleton<ITokenIssuer, JwtTokenIssuer>();
        services.TryAddSingleton<JwtTokenReader>();
        services.TryAddSingleton(sp => new ValidationMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp => new MaasMetrics(sp.GetService<IMeterFactory>()));
        // A store registered once as IKeyStore serves the capabilities it implements, as the same instance.
        services.TryAddSingleton(sp => Capability<IKeyAdministrationStore>(sp.GetRequiredService<IKeyStore>()));
        services.TryAddSingleton(sp => Capability<IKeyUsageStore>(sp.GetRequiredService<IKeyStore>()));
        services.TryAddSingleton(sp => Capability<IUsageLedger>(sp.GetRequiredService<IKeyStore>()));

        // Every Maas part talks to the store through one wrapper that times and traces each call.
        services.TryAddSingleton(sp => new InstrumentedKeyStore(
            sp.GetRequiredService<IKeyStore>(),
            sp.GetRequiredService<IKeyAdministrationStore>(),
            sp.GetRequiredService<IKeyUsageStore>(),
            sp.GetRequiredService<MaasMetrics>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<KeyUsageRecorder>(sp, (IKeyUsageStore)sp.GetRequiredService<InstrumentedKeyStore>()));
        services.TryAddSingleton(sp =>
        {
            var store = sp.GetRequiredService<InstrumentedKeyStore>();
            return ActivatorUtilities.CreateInstance<CredentialValidator>(sp, (IKeyStore)store, (IKeyUsageStore)store);
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, KeyFilterStartup>());
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<EphemeralKeySweeper>(sp, sp.GetRequiredService<IKeyStore>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, EphemeralKeySweeper>(sp => sp.GetRequiredService<EphemeralKeySweeper>()));
        services.TryAddSingleton(sp => new Administrators(sp.GetRequiredService<IOptions<MaasOptions>>().Value.Admins));

        // The services by aggregate, each with only what it needs; every store call goes through the instrumented store.
        services.TryAddSingleton(sp => new CredentialValidationService(sp.GetRequiredService<CredentialValidator>()));
        services.TryAddSingleton(sp => new TokenService(
            sp.GetRequiredService<IOptions<MaasOptions>>(),
            sp.GetRequiredService<ITierResolver>(),
            sp.GetRequiredService<ITokenIssuer>(),
            sp.GetRequiredService<MaasMetrics>()));
        services.TryAddSingleton(sp => new ApiKeyService(
            sp.GetRequiredService<IOptions<MaasOptions>>(),
            sp.GetRequiredService<ITierResolver>(),
            sp.GetRequiredService<InstrumentedKeyStore>(),
            sp.GetRequiredService<InstrumentedKeyStore>(),
            sp.GetRequiredService<Administrators>(),
            sp.GetRequiredService<CredentialValidator>(),
            sp.GetRequiredService<RevocationSignal>(),
            AuditLog(sp),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<MaasMetrics>()));
        services.TryAddSingleton(sp => new KeyAdministrationService(
            sp.GetRequiredService<InstrumentedKeyStore>(),
            sp.GetRequiredService<Administrators>(),
            sp.GetRequiredService<RevocationSignal>(),
            AuditLog(sp),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<MaasMetrics>(),
            sp.GetRequiredService<EphemeralKeySweeper>()));
        services.TryAddSingleton(sp => new RevocationService(
            sp.GetRequiredService<InstrumentedKeyStore>(),
            sp.GetRequiredService<ITokenIssuer>(),
            sp.GetRequiredService<RevocationSignal>(),
            AuditLog(sp),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<MaasMetrics>()));
        services.TryAddSingleton(sp => new AuditTrail(sp.GetRequiredService<Administrators>(), AuditLog(sp)));
        return new MaasBuilder(services, configuration);
    }

    private static IAuditLog AuditLog(IServiceProvider services) =>
        services.GetService<IAuditLog>() ?? throw new InvalidOperationException(
            "Maas needs an audit trail (IAuditLog): UseInMemoryStorage, UseSqliteStorage and UsePostgreSqlStorage register one with their key store.");

    private static TCapability Capability<TCapability>(IKeyStore store)
        where TCapability : class =>
        store as TCapability ?? throw new InvalidOperationException(
            $"The key store {store.GetType().Name} does not implement {typeof(TCapability).Name}, which Maas needs: register a store that does as IKeyStore.");

    private sealed class MaasBuilderMarker;
}
