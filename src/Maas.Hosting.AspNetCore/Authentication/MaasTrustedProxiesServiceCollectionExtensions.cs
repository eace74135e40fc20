using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Trusts the proxies in front of a Maas host to name the real client.</summary>
public static class MaasTrustedProxiesServiceCollectionExtensions
{
    /// <summary>
    /// Believes <c>X-Forwarded-For</c> from the addresses (or CIDR networks) listed in
    /// <paramref name="section"/> (<c>Maas:TrustedProxies</c> in <c>maas-api</c>): the gateway and
    /// other proxies in front of the host. Failed-authentication throttling counts per client address;
    /// behind a gateway every call comes from the gateway's address, so without this one guessing
    /// stranger would throttle everyone. Nobody else's <c>X-Forwarded-For</c> is believed (ASP.NET
    /// Core's own loopback default is cleared), so a caller cannot pick its address. Add
    /// <c>app.UseForwardedHeaders()</c> first in the pipeline.
    /// </summary>
    /// <exception cref="OptionsValidationException">An entry is neither an IP address nor a CIDR network; the message names it.</exception>
    /// <returns>The services.</returns>
    public static IServiceCollection AddMaasTrustedProxies(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        var entries = section.Get<string[]>() ?? [];
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
                throw new OptionsValidationException(section.Path, typeof(ForwardedHeadersOptions),
                    [$"invalid value \"{entry}\" for {section.Path}:{i}: expected an IP address or a CIDR network such as 10.0.0.0/8"]);
            }
        }

        services.Configure<ForwardedHeadersOptions>(options =>
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
        return services;
    }
}
