using System.Net;
using Maas.Hosting.Kestrel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.AspNetCore.Tests.Kestrel;

/// <summary>An embedder's <c>Kestrel</c> section bound with <c>BindMaasConfiguration()</c>: over the Maas defaults, and a wrong value in one line.</summary>
public sealed class BindMaasConfigurationTests
{
    [Fact]
    public async Task Kestrel_section_overrides_the_maas_defaults()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Limits:MaxRequestBodySize"] = "10",
            ["Kestrel:AddServerHeader"] = "false",
        });
        builder.WebHost.UseMaasConnectionLimits();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.BindMaasConfiguration(builder.Configuration.GetSection("Kestrel"));
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        await using var app = builder.Build();
        app.MapGet("/", () => "up");
        await app.StartAsync();

        var limits = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        Assert.Equal(10, limits.MaxRequestBodySize);
        Assert.Equal(MaasConnectionLimits.DefaultMaxConnections(MaasConnectionLimits.ReadFileLimit(), 0), limits.MaxConcurrentConnections);
        using var client = new HttpClient { BaseAddress = app.GetAddress() };
        using var response = await client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Headers.Server);
        await app.StopAsync();
    }

    [Theory]
    [InlineData("Kestrel:Limits:MaxConcurrentConnections", "-5")]
    [InlineData("Kestrel:Limits:KeepAliveTimeout", "soon")]
    public void Wrong_value_is_one_line_naming_kestrel(string key, string value)
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build().GetSection("Kestrel");
        var error = Assert.Throws<InvalidOperationException>(() => new KestrelServerOptions().BindMaasConfiguration(section));
        Assert.StartsWith("invalid Kestrel configuration: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
