using Maas.Administration;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Gateway.Usage;
using Maas.Hosting.Authentication;
using Maas.Models;
using Maas.SelfService.DevelopmentSignIn;
using Maas.SelfService.OneTimeForms;
using Maas.Tiers;
using Maas.Usage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Maas.SelfService.Pages;

/// <summary>What every screen reads: the Maas services, the user mapping, the policies and the options (one per request).</summary>
internal sealed class SelfServicePageServices(
    ApiKeyService apiKeys,
    KeyAdministrationService administration,
    AuditTrail audit,
    ITierResolver tiers,
    IModelCatalog models,
    TimeProvider time,
    MaasUserMapper users,
    IAuthorizationService authorization,
    IOptions<MaasOptions> maas,
    IOptions<MaasSelfServiceOptions> options,
    IOptionsMonitor<TrustedGatewayOptions> gateway,
    DevelopmentSignInGate developmentSignIn,
    OneTimeFormTokens formTokens,
    IServiceProvider services)
{
    public ApiKeyService ApiKeys { get; } = apiKeys;

    public KeyAdministrationService Administration { get; } = administration;

    public AuditTrail Audit { get; } = audit;

    public ITierResolver Tiers { get; } = tiers;

    public IModelCatalog Models { get; } = models;

    /// <summary>The instant key statuses are shown at.</summary>
    public DateTimeOffset Now => time.GetUtcNow();

    public MaasUserMapper Users { get; } = users;

    public IAuthorizationService Authorization { get; } = authorization;

    public MaasOptions Maas => maas.Value;

    public MaasSelfServiceOptions Options => options.Value;

    public TrustedGatewayOptions Gateway => gateway.CurrentValue;

    /// <summary>Whether the development sign-in is on, and whom it admits.</summary>
    public DevelopmentSignInGate DevelopmentSignIn { get; } = developmentSignIn;

    /// <summary>The create form's one-time tokens.</summary>
    public OneTimeFormTokens FormTokens { get; } = formTokens;

    /// <summary>The gateway's usage counters, when the gateway runs in this host.</summary>
    public UsageReader? Usage { get; } = services.GetService<UsageReader>();

    /// <summary>
    /// The usage ledger, when the key store keeps one (<see cref="IUsageLedger"/> is a capability of the store:
    /// asked for without it, the container refuses, so the store is asked first).
    /// </summary>
    public IUsageLedger? Ledger { get; } = services.GetService<IKeyStore>() is IUsageLedger ? services.GetService<IUsageLedger>() : null;
}
