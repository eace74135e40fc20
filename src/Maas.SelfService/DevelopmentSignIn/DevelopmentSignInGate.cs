using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Maas.SelfService.DevelopmentSignIn;

/// <summary>
/// The one rule of the development sign-in, asked by the form, its route and its cookie alike: it is on
/// only when <see cref="MaasSelfServiceOptions.DevelopmentSignIn"/> is set and the environment is
/// Development, and then it admits loopback callers only.
/// </summary>
internal sealed class DevelopmentSignInGate(IOptions<MaasSelfServiceOptions> options, IHostEnvironment environment)
{
    /// <summary>Gets whether the sign-in exists in this host at all.</summary>
    public bool IsOn => options.Value.DevelopmentSignIn && environment.IsDevelopment();

    /// <summary>Tells whether <paramref name="context"/> may see the form or be signed in by its cookie: on, and from loopback.</summary>
    public bool Admits(HttpContext context) =>
        IsOn && context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote);
}
