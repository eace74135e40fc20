using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Maas.Hosting.AspNetCore.Tests.Telemetry;

/// <summary>An embedder's request telemetry with <c>UseMaasRequestMetrics()</c> and <c>UseMaasMetricsPort()</c>.</summary>
public sealed class RequestTelemetryTests
{
    [Fact]
    public async Task Requests_are_counted_by_route_logged_with_redacted_paths_and_their_span_is_named_after_the_route()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Logging.AddFakeLogging();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMaas(o => o.Gateway.SharedSecret = "0123456789abcdef0123").UseInMemoryStorage();
        await using var app = builder.Build();
        using var requests = new MetricCollector<long>(app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Maas.Api", "maas.api.http.requests");
        app.UseMaasRequestMetrics();
        app.MapGet("/items/{id}", (string id) => id);
        await app.StartAsync();

        using var client = new HttpClient { BaseAddress = app.GetAddress() };
        Assert.Equal("42", await client.GetStringAsync("/items/42"));
        const string Key = "sk-maas-0123456789abcdefghijklmnopqrstuvwxyz";
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/nowhere/" + Key)).StatusCode);
        await app.StopAsync();

        var counted = requests.GetMeasurementSnapshot();
        Assert.Contains(counted, m => m.Value == 1 && (string?)m.Tags["route"] == "/items/{id}" && (string?)m.Tags["status"] == "200" && (string?)m.Tags["method"] == "GET");
        Assert.Contains(counted, m => m.Value == 1 && (string?)m.Tags["route"] == "" && (string?)m.Tags["status"] == "404");

        var lines = app.Services.GetFakeLogCollector().GetSnapshot().Where(r => r.Category == "Maas.Api.HttpRequestMetrics").Select(r => r.Message).ToList();
        Assert.Contains(lines, l => l.StartsWith("GET /items/{id} 200 user=-", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("GET /nowhere/{credential} 404 user=-", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(Key, StringComparison.Ordinal));

        var span = Assert.Single(spans, s => s.DisplayName == "GET /items/{id}");
        Assert.Equal("/items/{id}", span.GetTagItem("http.route"));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
    }

    [Fact]
    public async Task The_metrics_port_serves_the_scrape_and_nothing_else_and_the_API_port_never_serves_the_scrape()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        var metricsPort = Maas.Testing.FreePort.OnLoopback();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Listen(IPAddress.Loopback, metricsPort);
        });
        builder.Services.AddMaas(o => o.Gateway.SharedSecret = "0123456789abcdef0123").UseInMemoryStorage();
        await using var app = builder.Build();
        app.UseMaasMetricsPort(metricsPort, metrics => metrics.Use((context, next) =>
            context.Request.Path == "/metrics" ? context.Response.WriteAsync("# scrape", context.RequestAborted) : next(context)));
        app.UseMaasRequestMetrics();
        app.MapGet("/v1/things", () => "things");
        await app.StartAsync();

        using var api = new HttpClient { BaseAddress = app.GetAddress(0) };
        using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        Assert.Equal("# scrape", await metrics.GetStringAsync("/metrics"));
        Assert.Equal(HttpStatusCode.NotFound, (await metrics.GetAsync("/v1/things")).StatusCode);
        Assert.Equal("things", await api.GetStringAsync("/v1/things"));
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/metrics")).StatusCode);
        await app.StopAsync();
    }
}
