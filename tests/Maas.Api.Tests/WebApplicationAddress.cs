using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Api.Tests;

/// <summary>Where a started test application listens.</summary>
internal static class WebApplicationAddress
{
    /// <summary>Returns the first address the started application listens on, for example <c>http://127.0.0.1:41234</c>.</summary>
    public static Uri GetBaseAddress(this WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }
}
