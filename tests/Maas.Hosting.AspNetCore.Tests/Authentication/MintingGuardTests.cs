using System.Security.Claims;
using Maas.Hosting.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.AspNetCore.Tests.Authentication;

/// <summary>
/// The minting guard's last line: a host's own scheme signed the caller in (no gateway headers, no
/// Maas claims) while the request carries a Maas API key. Keys of either prefix are refused; any
/// other bearer is the host's business.
/// </summary>
public sealed class MintingGuardTests
{
    [Theory]
    [InlineData("Bearer sk-maas-0123456789abcdef_secret", true)]
    [InlineData("Bearer sk-oai-0123456789abcdef_secret", true)]
    [InlineData("  bearer SK-OAI-0123456789abcdef_secret", true)]
    [InlineData("Bearer sk-oaix-0123456789abcdef_secret", false)]
    [InlineData("Bearer eyJhbGciOiJFUzI1NiJ9.e30.sig", false)]
    public void A_request_carrying_an_API_key_of_either_prefix_cannot_mint_under_the_hosts_own_scheme(string authorization, bool refused)
    {
        var guard = new MintingGuard(new StaticMonitor(new MaasOptions()));
        var context = new DefaultHttpContext { User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice")], "HostScheme")) };
        context.Request.Headers.Authorization = authorization;

        Assert.Equal(refused, guard.Refuses(context));
    }

    private sealed class StaticMonitor(MaasOptions value) : IOptionsMonitor<MaasOptions>
    {
        public MaasOptions CurrentValue => value;

        public MaasOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<MaasOptions, string?> listener) => null;
    }
}
