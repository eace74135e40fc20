using System.Diagnostics;
using Maas.Hosting.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>The request telemetry of a Maas host: counts, span names, one log line per request, and a metrics port.</summary>
public static class MaasTelemetryApplicationBuilderExtensions
{
    /// <summary>
    /// Counts every request by method, route and status (<c>maas.api.http.requests</c> and
    /// <c>maas.api.http.request.duration</c> on the <c>Maas.Api</c> meter, the Go <c>maas-api</c>'s
    /// <c>maas_api_http_requests_total</c> and <c>maas_api_http_request_duration_seconds</c>), names
    /// ASP.NET Core's server span <c>METHOD route</c> with <c>http.route</c> and
    /// <c>http.response.status_code</c>, and logs one line per request (category
    /// <c>Maas.Api.HttpRequestMetrics</c>, event 20) with route, status and user. The route is the
    /// endpoint's pattern, never the raw path; an unmatched path is logged with any credential-shaped
    /// segment replaced. Call after <c>UseRouting()</c> (so the endpoint is known) and before
    /// <c>UseAuthentication()</c> (so refused requests are counted too). Requires <c>AddMaas()</c>.
    /// </summary>
    /// <returns>The application builder.</returns>
    public static IApplicationBuilder UseMaasRequestMetrics(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var requests = app.ApplicationServices.GetRequiredService<HttpRequestMetrics>();
        return app.Use(requests.InvokeAsync);
    }

    /// <summary>
    /// Serves metrics on a port of their own: requests that arrive on local port <paramref name="port"/>
    /// go to <paramref name="scrapingEndpoint"/> (for example
    /// <c>m => m.UseOpenTelemetryPrometheusScrapingEndpoint("/metrics")</c>) and nowhere else: any
    /// other path there answers 404, and no API endpoint is reachable on that port. Scrapes are not
    /// traced: the span ASP.NET Core started for them is neither recorded nor exported. Listen on the
    /// port yourself (<c>kestrel.Listen(...)</c>); call this first, before the API's middleware.
    /// </summary>
    /// <returns>The application builder.</returns>
    public static IApplicationBuilder UseMaasMetricsPort(this IApplicationBuilder app, int port, Action<IApplicationBuilder> scrapingEndpoint)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(scrapingEndpoint);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        return app.UseWhen(
            context => context.Connection.LocalPort == port,
            metricsPort =>
            {
                // What the instrumentation packages' filter does for a scrape.
                metricsPort.Use((context, next) =>
                {
                    if (Activity.Current is { } activity && activity.Source.Name == "Microsoft.AspNetCore")
                    {
                        activity.IsAllDataRequested = false;
                        activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
                    }

                    return next(context);
                });
                scrapingEndpoint(metricsPort);
                metricsPort.Run(context =>
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                });
            });
    }
}
