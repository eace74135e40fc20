using System.Net;
using System.Security.Cryptography;
using System.Text;
using Maas.Hosting.Authentication;
using Maas.Hosting.Introspection;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.AspNetCore.Tests.Introspection;

/// <summary>Gateway client secrets: the <c>sha256:</c> hash format and RFC 6749 HTTP Basic decoding.</summary>
public sealed class GatewayClientAuthenticatorTests
{
    private const string Secret = "s3cret with spaces+plus:colon%percent";

    [Fact]
    public void Hash_is_read_in_hex_as_sha256sum_prints_it_or_in_base64()
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(Secret));
        Assert.True(GatewayClientSecret.TryParse("sha256:" + Convert.ToHexStringLower(digest), out var fromHex));
        Assert.True(GatewayClientSecret.TryParse("SHA256:" + Convert.ToHexString(digest), out var fromUpperHex));
        Assert.True(GatewayClientSecret.TryParse("sha256:" + Convert.ToBase64String(digest), out var fromBase64));
        Assert.Equal(digest, fromHex);
        Assert.Equal(digest, fromUpperHex);
        Assert.Equal(digest, fromBase64);
        Assert.True(GatewayClientSecret.Matches(Secret, fromHex));
        Assert.False(GatewayClientSecret.Matches(Secret + " ", fromHex));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("secret")]
    [InlineData("sha256:")]
    [InlineData("sha256:zz")]
    [InlineData("sha512:0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("sha256:000000000000000000000000000000000000000000000000000000000000000g")]
    [InlineData("sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=AAAA")]
    public void Anything_but_sha256_with_32_bytes_is_refused(string? value) =>
        Assert.False(GatewayClientSecret.TryParse(value, out _));

    [Fact]
    public void Basic_credentials_are_form_decoded_per_RFC_6749_and_wrong_ones_refused()
    {
        var authenticator = Create(("gw client", Secret));

        Assert.Equal("gw client", authenticator.Authenticate(Basic(WebUtility.UrlEncode("gw client") + ":" + WebUtility.UrlEncode(Secret))));
        Assert.Equal("gw client", authenticator.Authenticate("basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("gw+client:" + Uri.EscapeDataString(Secret)))));
        Assert.Null(authenticator.Authenticate(Basic("gw+client:wrong")));
        Assert.Null(authenticator.Authenticate(Basic("other:" + WebUtility.UrlEncode(Secret))));
        Assert.Null(authenticator.Authenticate(Basic(":" + WebUtility.UrlEncode(Secret))));
        Assert.Null(authenticator.Authenticate("Bearer abc"));
        Assert.Null(authenticator.Authenticate("Basic !!!"));
        Assert.Null(authenticator.Authenticate(new Microsoft.Extensions.Primitives.StringValues(["Basic a", "Basic b"])));
        Assert.Null(authenticator.Authenticate(default));
    }

    [Fact]
    public void Unencoded_credentials_of_Go_SetBasicAuth_are_accepted()
    {
        const string plain = "0123456789abcdef0123456789abcdef";
        var authenticator = Create(("envoy", plain));
        Assert.Equal("envoy", authenticator.Authenticate(Basic("envoy:" + plain)));
    }

    private static GatewayClientAuthenticator Create(params (string Id, string Secret)[] clients)
    {
        var options = new TrustedGatewayOptions();
        foreach (var (id, secret) in clients)
        {
            options.Clients.Add(new IntrospectionClient
            {
                ClientId = id,
                SecretHash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))),
            });
        }

        return new GatewayClientAuthenticator(new StaticMonitor(options));
    }

    private static string Basic(string text) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private sealed class StaticMonitor(TrustedGatewayOptions value) : IOptionsMonitor<TrustedGatewayOptions>
    {
        public TrustedGatewayOptions CurrentValue => value;

        public TrustedGatewayOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<TrustedGatewayOptions, string?> listener) => null;
    }

    [Fact]
    public void Remembered_headers_still_only_match_exactly_and_a_reload_forgets_them()
    {
        var monitor = new ReloadableMonitor(OptionsWith("authorino", "first-secret-0123456789"));
        var authenticator = new GatewayClientAuthenticator(monitor);
        var good = BasicHeader("authorino", "first-secret-0123456789");

        Assert.Equal("authorino", authenticator.Authenticate(good));
        Assert.Equal("authorino", authenticator.Authenticate(good));
        Assert.Null(authenticator.Authenticate(BasicHeader("authorino", "first-secret-0123456788")));
        Assert.Null(authenticator.Authenticate(good + "x"));

        monitor.CurrentValue = OptionsWith("authorino", "second-secret-0123456789");
        Assert.Null(authenticator.Authenticate(good));
        Assert.Equal("authorino", authenticator.Authenticate(BasicHeader("authorino", "second-secret-0123456789")));
    }

    private static string BasicHeader(string id, string secret) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(id + ":" + secret));

    private static TrustedGatewayOptions OptionsWith(string id, string secret)
    {
        var options = new TrustedGatewayOptions();
        options.Clients.Add(new IntrospectionClient { ClientId = id, SecretHash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))) });
        return options;
    }

    private sealed class ReloadableMonitor(TrustedGatewayOptions value) : IOptionsMonitor<TrustedGatewayOptions>
    {
        public TrustedGatewayOptions CurrentValue { get; set; } = value;

        public TrustedGatewayOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<TrustedGatewayOptions, string?> listener) => null;
    }
}
