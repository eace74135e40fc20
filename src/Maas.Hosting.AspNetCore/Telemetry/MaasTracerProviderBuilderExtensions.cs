namespace OpenTelemetry.Trace;

/// <summary>Traces a Maas host with OpenTelemetry.</summary>
public static class MaasTracerProviderBuilderExtensions
{
    /// <summary>
    /// Adds the <c>Maas</c> activity source (credential validation) and ASP.NET Core's request spans,
    /// which <c>UseMaasRequestMetrics()</c> names after the route (<c>POST /v1/tokens</c>) and tags
    /// with <c>http.route</c> and <c>http.response.status_code</c>. Add only where spans are exported:
    /// a tracer without an exporter still samples every request into spans that go nowhere.
    /// </summary>
    /// <remarks>
    /// The framework's own activity sources (.NET 10 sets the semantic-convention attributes on them),
    /// not the instrumentation packages: those subscribe to the DiagnosticListener, which makes ASP.NET
    /// Core build an activity and two events for every request, sampled or not. Through .NET 10 the
    /// request activity carries the HTTP attributes (method, route, status, ...) only when the
    /// <c>Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData</c> switch is off, which
    /// this method sets; ASP.NET Core 11 makes it the default.
    /// </remarks>
    /// <returns>The builder, to add exporters and further sources.</returns>
    public static TracerProviderBuilder AddMaasInstrumentation(this TracerProviderBuilder tracing)
    {
        ArgumentNullException.ThrowIfNull(tracing);
        AppContext.SetSwitch("Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData", false);
        return tracing.AddSource("Maas", "Microsoft.AspNetCore");
    }
}
