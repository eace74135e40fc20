using Microsoft.Extensions.Logging.Console;

namespace Maas.Api;

/// <summary>
/// Console logs: one text line per event by default, or one JSON object per line with
/// <c>--log-format=json</c>/<c>LOG_FORMAT=json</c>. Every line carries the trace and span id
/// of the current activity; request lines (see <see cref="HttpRequestMetrics"/>) add method,
/// route, status and the user. Secrets are never logged (the redaction tests scan both formats).
/// </summary>
internal static class MaasApiLogging
{
    public static void Configure(WebApplicationBuilder builder, HostSettings settings)
    {
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (settings.LogFormat != "json")
        {
            return;
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
        });
    }
}
