using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Maas.Api;

/// <summary>
/// OpenTelemetry for <c>maas-api</c>: the Maas and gateway instrumentation (meters, sources, the
/// Go service's metric names), the standard <c>OTEL_*</c> variables, OTLP export when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and a Prometheus scrape endpoint on its own port.
/// </summary>
internal static class MaasApiTelemetry
{
    /// <summary>The path of the Prometheus scrape endpoint on the metrics port.</summary>
    public const string MetricsPath = "/metrics";

    public static void Configure(WebApplicationBuilder builder, HostSettings settings, Func<string, string?> environment)
    {
        var openTelemetry = builder.Services.AddOpenTelemetry();
        if (environment("OTEL_SERVICE_NAME") is not { Length: > 0 })
        {
            openTelemetry.ConfigureResource(resource => resource.AddService("maas-api"));
        }

        openTelemetry.WithMetrics(metrics =>
        {
            metrics.AddMaasInstrumentation().AddMaasGatewayInstrumentation();
            if (settings.MetricsPort > 0)
            {
                metrics.AddPrometheusExporter();
            }
        });
        if (environment("OTEL_EXPORTER_OTLP_ENDPOINT") is not { Length: > 0 })
        {
            // No exporter, so no span would leave the process: none is built. A tracer without an
            // exporter still sampled every request and each upstream call into spans that went nowhere.
            return;
        }

        openTelemetry.WithTracing(tracing => tracing.AddMaasInstrumentation().AddMaasGatewayInstrumentation());
        openTelemetry.UseOtlpExporter();
    }

    /// <summary>Adds the metrics listener (plain HTTP, same interface as the API) unless the port is 0.</summary>
    public static void Listen(KestrelServerOptions kestrel, HostSettings settings)
    {
        if (settings.MetricsPort == 0)
        {
            return;
        }

        if (settings.MetricsPort == settings.Address!.Port)
        {
            throw new HostSettingsException($"--metrics-port ({settings.MetricsPort}) must differ from the API port: metrics are never served on the API port");
        }

        kestrel.Listen(new IPEndPoint(settings.Address.Address, settings.MetricsPort));
    }

    /// <summary>Serves <c>/metrics</c> on the metrics port only, and nothing else there; counts every API request by method, route and status.</summary>
    public static void Map(WebApplication app, HostSettings settings)
    {
        if (settings.MetricsPort > 0)
        {
            app.UseMaasMetricsPort(settings.MetricsPort, metrics => metrics.UseOpenTelemetryPrometheusScrapingEndpoint(MetricsPath));
        }

        app.UseMaasRequestMetrics();
    }
}
