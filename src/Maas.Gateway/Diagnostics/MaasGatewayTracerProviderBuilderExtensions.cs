namespace OpenTelemetry.Trace;

/// <summary>Traces the Maas gateway with OpenTelemetry.</summary>
public static class MaasGatewayTracerProviderBuilderExtensions
{
    /// <summary>
    /// Adds the gateway's spans: <c>maas.gateway.forward</c> on the <c>Maas</c> source (one per model
    /// call, tagged with model, tier and outcome, never the user or the credential) and HttpClient's
    /// <c>System.Net.Http</c> span for the call to the model, its child. Add beside <c>AddMaasInstrumentation()</c>.
    /// </summary>
    /// <returns>The builder.</returns>
    public static TracerProviderBuilder AddMaasGatewayInstrumentation(this TracerProviderBuilder tracing)
    {
        ArgumentNullException.ThrowIfNull(tracing);
        return tracing.AddSource("Maas", "System.Net.Http");
    }
}
