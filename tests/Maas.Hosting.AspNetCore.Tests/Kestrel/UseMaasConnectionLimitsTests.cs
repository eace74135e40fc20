using System.Net;
using Maas.Hosting.Kestrel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.AspNetCore.Tests.Kestrel;

/// <summary>An embedder's Kestrel with <c>UseMaasConnectionLimits()</c>: the computed bounds, which the host may still override.</summary>
public sealed class UseMaasConnectionLimitsTests
{
    [Fact]
    public async Task Connection_limits_follow_the_file_limit_and_the_host_may_override_them()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseMaasConnectionLimits(upstreamConnections: 40);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(7); // the host's own setting wins
        });
        await using var app = builder.Build();
        app.MapGet("/", () => "up");
        await app.StartAsync();

        var limits = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        Assert.Equal(MaasConnectionLimits.DefaultMaxConnections(MaasConnectionLimits.ReadFileLimit(), 40), limits.MaxConcurrentConnections);
        Assert.Equal(TimeSpan.FromSeconds(10), limits.RequestHeadersTimeout);
        Assert.Equal(1024 * 1024, limits.MaxRequestBodySize);
        Assert.Equal(TimeSpan.FromSeconds(7), limits.KeepAliveTimeout);
        using var client = new HttpClient { BaseAddress = app.GetAddress() };
        Assert.Equal("up", await client.GetStringAsync("/"));
        await app.StopAsync();
    }
}
