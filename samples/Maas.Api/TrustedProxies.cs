using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Maas.Api;

/// <summary>
/// <c>Maas:TrustedProxies</c>: the addresses (or CIDR networks) of the gateway and other proxies
/// whose <c>X-Forwarded-For</c> names the real client. Failed-authentication throttling counts
/// per client address; behind a gateway every call comes from the gateway's address, so without
/// this one guessing stranger would throttle everyone. Nobody else's <c>X-Forwarded-For</c> is
/// believed (ASP.NET Core's own loopback default is cleared), so a caller cannot pick its address.
/// </summary>
internal static class TrustedProxies
{
    public const string SectionName = "Maas:TrustedProxies";

    /// <summary>Registers the forwarded-headers options; <see langword="false"/> when no proxy is configured.</summary>
    public static bool Configure(WebApplicationBuilder builder)
    {
        var entries = builder.Configuration.GetSection(SectionName).Get<string[]>() ?? [];
        if (entries.Length == 0)
        {
            return false;
        }

        var proxies = new List<IPAddress>();
        var networks = new List<System.Net.IPNetwork>();
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i]?.Trim() ?? "";
            if (entry.Contains('/', StringComparison.Ordinal) && System.Net.IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                proxies.Add(address);
            }
            else
            {
                throw new HostSettingsException($"invalid value \"{entry}\" for {SectionName}:{i}: expected an IP address or a CIDR network such as 10.0.0.0/8");
            }
        }

        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            options.ForwardLimit = null; // walk back through every trusted proxy, stop at the first other address
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in proxies)
            {
                options.KnownProxies.Add(proxy);
            }

            foreach (var network in networks)
            {
                options.KnownIPNetworks.Add(network);
            }
        });
        return true;
    }
}
