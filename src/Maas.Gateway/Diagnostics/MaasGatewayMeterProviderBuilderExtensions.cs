namespace OpenTelemetry.Metrics;

/// <summary>Exports the metrics of the Maas gateway with OpenTelemetry.</summary>
public static class MaasGatewayMeterProviderBuilderExtensions
{
    /// <summary>
    /// HttpClient's in-flight gauges, dropped: each is an up-down counter changed twice on every model
    /// call (a request starts and ends; its pooled connection turns active and idle), and together they
    /// cost the gateway as shipped more CPU than any other instrument it exports (<c>perf</c> on a loaded
    /// gateway: the SDK's long-valued aggregation was the largest OpenTelemetry frame). ASP.NET Core's
    /// <c>http.server.active_requests</c> still counts the requests in flight, model calls included.
    /// </summary>
    private static readonly string[] DroppedHttpClientInstruments = ["http.client.active_requests", "http.client.open_connections"];

    /// <summary>
    /// Adds the gateway's meters: <c>Maas</c> (calls by model, tier and outcome, LLM tokens, limit
    /// decisions and counter operations) and HttpClient's <c>System.Net.Http</c> (the calls to the
    /// models: their duration, connections' lifetimes and queueing; not its two in-flight gauges, which
    /// change on every call). Add beside <c>AddMaasInstrumentation()</c>.
    /// </summary>
    /// <returns>The builder.</returns>
    public static MeterProviderBuilder AddMaasGatewayInstrumentation(this MeterProviderBuilder metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        metrics.AddMeter("Maas", "System.Net.Http");
        foreach (var instrument in DroppedHttpClientInstruments)
        {
            metrics.AddView(instrument, MetricStreamConfiguration.Drop);
        }

        return metrics;
    }
}
