using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Hosting.AspNetCore.Tests;

/// <summary>Where a started test application listens.</summary>
internal static class WebApplicationAddress
{
    /// <summary>The <paramref name="index"/>th address the started application listens on.</summary>
    public static Uri GetAddress(this WebApplication app, int index = 0) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ElementAt(index));
}
