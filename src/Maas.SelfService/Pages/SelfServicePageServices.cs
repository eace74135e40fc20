using Maas.Gateway.Usage;
using Maas.Hosting.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Maas.SelfService.Pages;

/// <summary>What every screen reads: the Maas service, the user mapping, the policies and the options (one per request).</summary>
internal sealed class SelfServicePageServices(
    MaasService service,
    MaasUserMapper users,
    IAuthorizationService authorization,
    IOptions<MaasOptions> maas,
    IOptions<MaasSelfServiceOptions> options,
    IOptionsMonitor<TrustedGatewayOptions> gateway,
    IServiceProvider services)
{
    public MaasService Service { get; } = service;

    public MaasUserMapper Users { get; } = users;

    public IAuthorizationService Authorization { get; } = authorization;

    public MaasOptions Maas => maas.Value;

    public MaasSelfServiceOptions Options => options.Value;

    public TrustedGatewayOptions Gateway => gateway.CurrentValue;

    /// <summary>The gateway's usage counters, when the gateway runs in this host.</summary>
    public UsageReader? Usage { get; } = services.GetService<UsageReader>();
}
