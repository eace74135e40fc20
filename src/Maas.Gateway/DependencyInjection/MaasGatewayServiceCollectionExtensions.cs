using System.Diagnostics.CodeAnalysis;
using Maas;
using Maas.Gateway;
using Maas.Gateway.Diagnostics;
using Maas.Gateway.Forwarding;
using Maas.Gateway.Limits;
using Maas.Gateway.Steps;
using Maas.Gateway.Usage;
using Maas.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Maas data plane (the gateway in front of the catalog's models).</summary>
public static class MaasGatewayServiceCollectionExtensions
{
    /// <summary>
    /// Adds the gateway: in-process credential validation, tier access, request and LLM-token limits
    /// and YARP forwarding to each model's <c>Upstream</c>, with validated
    /// <see cref="GatewayForwardingOptions"/> and <see cref="GatewayLimitOptions"/> (bound from
    /// <c>Gateway:Forwarding</c> and <c>Gateway:Limits</c> of the configuration given to
    /// <c>AddMaas</c>, then <paramref name="configure"/>). Idempotent: calling it again only applies
    /// <paramref name="configure"/>. Then call <c>app.MapMaasGateway()</c>.
    /// </summary>
    public static MaasBuilder AddMaasGateway(this MaasBuilder builder, Action<GatewayForwardingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (builder.Configuration is not null)
        {
            services.AddOptions<GatewayForwardingOptions>().Bind(builder.Configuration.GetSection("Gateway:Forwarding"));
            services.AddOptions<GatewayLimitOptions>().Bind(builder.Configuration.GetSection("Gateway:Limits"));
            services.AddOptions<GatewayLedgerOptions>().Bind(builder.Configuration.GetSection("Gateway:Ledger"));
            services.AddOptions<GatewayUsageExportOptions>().Bind(builder.Configuration.GetSection("Gateway:UsageExport"));
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(GatewayStepRunner)))
        {
            return builder;
        }

        services.AddMaas();
        services.AddOptions<GatewayForwardingOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayForwardingOptions>, GatewayForwardingOptionsValidator>());
        services.AddHttpForwarder();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMaasLimitCounter();
        services.TryAddSingleton<OutageLog>(); // The gateway's own (a copy of the hosting package's source), for its lines.
        services.AddSingleton<GatewayModels>();
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<UpstreamClient>();
        services.AddSingleton<UpstreamTransformer>();
        services.AddSingleton<AuthenticationStep>();
        services.AddSingleton<BodyReadingStep>();
        services.AddSingleton<ModelResolutionStep>();
        services.AddSingleton<RequestCheckStep>();
        services.AddSingleton<LimitAcquisitionStep>();
        services.AddSingleton<SettlementStep>();
        services.AddSingleton<ForwardingStep>();
        services.AddSingleton<GatewayStepRunner>();
        services.AddSingleton(services => new UsageReader(
            services.GetRequiredService<ILimitCounter>(),
            services.GetRequiredService<IOptions<GatewayLimitOptions>>(),
            services.GetRequiredService<TimeProvider>()));
        services.AddSingleton<UsageEndpoint>();
        services.AddOptions<GatewayLedgerOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayLedgerOptions>, GatewayLedgerOptionsValidator>());
        services.AddOptions<GatewayUsageExportOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayUsageExportOptions>, GatewayUsageExportOptionsValidator>());
        services.AddSingleton<UsageExports>();
        services.AddSingleton<UsageLedgerRecorder>();
        services.AddSingleton<UsageLedgerWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<UsageLedgerWriter>());
        services.AddSingleton<ModelRetrieval>();
        return builder;
    }

    /// <summary>
    /// Adds <typeparamref name="TStep"/> to every gateway model call, as a singleton: it runs after the
    /// caller's credential, the body, the model and the tier's access were checked, and before the
    /// limits are acquired, so it sees <see cref="GatewayCallContext.User"/>, <see cref="GatewayCallContext.Tier"/>
    /// and <see cref="GatewayCallContext.Model"/>, and a call it refuses (<see cref="GatewayCallContext.RefuseAsync"/>)
    /// costs the caller no request and no tokens. Steps added this way run in the order they were
    /// added; adding the same type again changes nothing.
    /// </summary>
    /// <typeparam name="TStep">The step, built from the container once, when the gateway takes its first call.</typeparam>
    public static MaasBuilder AddMaasGatewayStep<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStep>(this MaasBuilder builder)
        where TStep : class, IGatewayStep
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IGatewayStep, TStep>());
        return builder;
    }
}
