using System.Net;
using Maas.Hosting.Authentication;
using Maas.Hosting.Throttling;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.AspNetCore.Tests.Authentication;

/// <summary>
/// The identity reader itself, with a real remote address and reloadable options: in-process
/// host tests carry no remote address, so these are what guard loopback trust and secret rotation.
/// </summary>
public sealed class GatewayIdentityReaderTests
{
    private const string OldSecret = "old-gateway-secret-0123456789abcdef";
    private const string NewSecret = "new-gateway-secret-fedcba9876543210";

    private static (GatewayIdentityReader Reader, IConfigurationRoot Configuration, ServiceProvider Services) Create(string environmentName, string? secret)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Maas:Gateway:SharedSecret"] = secret })
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<IHostEnvironment>(new Environment(environmentName))
            .AddSingleton(TimeProvider.System)
            .AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>))
            .AddSingleton<FailedAuthenticationThrottle>()
            .AddSingleton<GatewayIdentityReader>();
        services.AddOptions<TrustedGatewayOptions>().Bind(configuration.GetSection(TrustedGatewayOptions.SectionName));
        services.AddOptions<MaasAuthenticationThrottleOptions>();
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<GatewayIdentityReader>(), configuration, provider);
    }

    private static DefaultHttpContext Request(IPAddress remote, string? secret = null)
    {
        var context = new DefaultHttpContext { Connection = { RemoteIpAddress = remote } };
        context.Request.Headers["X-MaaS-Username"] = "alice";
        context.Request.Headers["X-MaaS-Group"] = "[\"system:authenticated\"]";
        if (secret is not null)
        {
            context.Request.Headers["X-MaaS-Gateway-Secret"] = secret;
        }

        return context;
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void Loopback_is_not_trusted_outside_development_even_without_a_secret(string environmentName)
    {
        var (reader, _, services) = Create(environmentName, secret: null);
        using (services)
        {
            foreach (var loopback in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
            {
                var context = Request(loopback);
                Assert.Equal(GatewayIdentityOutcome.Refused, reader.Read(context, out var user, out _));
                Assert.Null(user);
                Assert.False(context.Request.Headers.ContainsKey("X-MaaS-Username")); // untrusted headers are stripped
            }
        }
    }

    [Fact]
    public void Loopback_is_trusted_in_development_without_a_secret_and_other_addresses_are_not()
    {
        var (reader, _, services) = Create("Development", secret: null);
        using (services)
        {
            Assert.Equal(GatewayIdentityOutcome.Established, reader.Read(Request(IPAddress.Loopback), out var user, out _));
            Assert.Equal("alice", user!.Name);
            Assert.Equal(GatewayIdentityOutcome.Refused, reader.Read(Request(IPAddress.Parse("10.1.2.3")), out _, out _));
        }
    }

    [Fact]
    public void After_a_reload_rotates_the_shared_secret_the_old_one_is_refused_and_the_new_one_accepted()
    {
        var (reader, configuration, services) = Create("Production", OldSecret);
        using (services)
        {
            var remote = IPAddress.Parse("10.0.0.9");
            Assert.Equal(GatewayIdentityOutcome.Established, reader.Read(Request(remote, OldSecret), out _, out _));
            Assert.Equal(GatewayIdentityOutcome.Refused, reader.Read(Request(remote, NewSecret), out _, out _));

            configuration["Maas:Gateway:SharedSecret"] = NewSecret;
            configuration.Reload();

            Assert.Equal(GatewayIdentityOutcome.Refused, reader.Read(Request(remote, OldSecret), out _, out var failure));
            Assert.DoesNotContain(OldSecret, failure, StringComparison.Ordinal);
            Assert.DoesNotContain(NewSecret, failure, StringComparison.Ordinal);
            Assert.Equal(GatewayIdentityOutcome.Established, reader.Read(Request(remote, NewSecret), out _, out _));
        }
    }

    private sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;

        public string ApplicationName { get; set; } = "tests";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
