using Maas.Hosting.Telemetry;

namespace OpenTelemetry.Metrics;

/// <summary>Exports the metrics of a Maas host with OpenTelemetry.</summary>
public static class MaasMeterProviderBuilderExtensions
{
    /// <summary>The meter of the Maas libraries: tokens, keys, validation, the gateway's calls and limits.</summary>
    private const string MaasMeter = "Maas";

    /// <summary>
    /// The framework meters exported: requests and their latency, connections, unhandled exceptions
    /// and rate limiting. Not the per-request routing, authentication, authorization and memory-pool
    /// meters that <c>AddAspNetCoreInstrumentation()</c> adds as well: together they cost about a tenth
    /// of <c>POST /v1/tokens</c>'s throughput (benchmarks/load, telemetry part), and Maas's own
    /// validation counters already say who was refused and why.
    /// </summary>
    private static readonly string[] FrameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
    ];

    /// <summary>
    /// Adds the Maas meters (<c>Maas</c>, and <c>Maas.Api</c>'s request counter and latency, which
    /// <c>UseMaasRequestMetrics()</c> records), the .NET runtime's, and ASP.NET Core's requests,
    /// connections, exceptions and rate limiting. Metrics that mean what the Go <c>maas-api</c>'s
    /// metrics mean are exported under the Go names (<c>maas.api.token_mint</c>,
    /// <c>maas.api.key_validation</c>), so its dashboards keep working; the runtime's
    /// <c>*.count</c> gauges are exported without the suffix Prometheus reserves for histograms.
    /// </summary>
    /// <returns>The builder, to add exporters and further meters.</returns>
    public static MeterProviderBuilder AddMaasInstrumentation(this MeterProviderBuilder metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return metrics
            .AddMeter(MaasMeter, HttpRequestMetrics.MeterName, "System.Runtime")
            .AddMeter(FrameworkMeters)
            // The Go service's names, so its dashboards keep working.
            .AddView("maas.api_keys.created", "maas.api.token_mint")
            .AddView("maas.api_key.validations", "maas.api.key_validation")
            // Prometheus reserves the _count suffix for histograms and summaries (promtool
            // check metrics flags these three runtime gauges): export them without it.
            .AddView("dotnet.assembly.count", "dotnet.assemblies.loaded")
            .AddView("dotnet.process.cpu.count", "dotnet.process.cpus")
            .AddView("dotnet.timer.count", "dotnet.timers");
    }
}
