namespace OpenTelemetry.Metrics;

/// <summary>Exports the metrics of the Maas gateway with OpenTelemetry.</summary>
public static class MaasGatewayMeterProviderBuilderExtensions
{
    /// <summary>
    /// Adds the gateway's meters: <c>Maas</c> (calls by model, tier and outcome, LLM tokens, limit
    /// decisions and counter operations) and HttpClient's <c>System.Net.Http</c> (the calls to the
    /// models). Add beside <c>AddMaasInstrumentation()</c>.
    /// </summary>
    /// <returns>The builder.</returns>
    public static MeterProviderBuilder AddMaasGatewayInstrumentation(this MeterProviderBuilder metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return metrics.AddMeter("Maas", "System.Net.Http");
    }
}
