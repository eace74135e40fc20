using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Maas.Hosting.AspNetCore.Tests.Health;

/// <summary>An embedder's probes with <c>AddMaasChecks()</c> and <c>MapMaasHealthChecks()</c>.</summary>
public sealed class MapMaasHealthChecksTests
{
    [Fact]
    public async Task Liveness_and_readiness_answer_without_credentials_and_shutdown_is_bounded()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMaas(o => o.Gateway.SharedSecret = "0123456789abcdef0123").UseInMemoryStorage();
        builder.Services.AddHealthChecks().AddMaasChecks();
        builder.Services.AddMaasGracefulShutdown(TimeSpan.FromSeconds(12));
        await using var app = builder.Build();
        app.MapMaasHealthChecks();
        await app.StartAsync();

        using var client = new HttpClient { BaseAddress = app.GetAddress() };
        using var live = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
        using var ready = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
        Assert.Equal(TimeSpan.FromSeconds(12), app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HostOptions>>().Value.ShutdownTimeout);
        await app.StopAsync();
    }

    [Fact]
    public async Task Readiness_is_503_while_a_Maas_check_fails_and_liveness_stays_200()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMaas(o => o.Gateway.SharedSecret = "0123456789abcdef0123").UseInMemoryStorage();
        builder.Services.AddHealthChecks().AddMaasChecks()
            .AddCheck("failing", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("down"), [MaasHealthCheckBuilderExtensions.ReadyTag]);
        await using var app = builder.Build();
        app.MapMaasHealthChecks();
        await app.StartAsync();

        using var client = new HttpClient { BaseAddress = app.GetAddress() };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/readyz")).StatusCode);
        await app.StopAsync();
    }
}
