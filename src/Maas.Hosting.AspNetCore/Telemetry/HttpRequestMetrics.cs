using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Maas.Hosting.Telemetry;

/// <summary>
/// Counts API requests as the Go service does (<c>maas_api_http_requests_total</c> and
/// <c>maas_api_http_request_duration_seconds</c>, labels method, route, status) and writes one
/// log line per request with route, status and the user; names ASP.NET Core's server span after the
/// route and adds the route and status to it. The route is the endpoint's pattern,
/// never the raw path, so no key id or other input becomes a tag. ASP.NET Core's own
/// <c>http.server.request.duration</c> is exported beside it under its standard name.
/// </summary>
internal sealed partial class HttpRequestMetrics : IDisposable
{
    public const string MeterName = "Maas.Api";

    // The category maas-api's request lines have always had, so log filters and queries keep working.
    private const string LogCategory = "Maas.Api.HttpRequestMetrics";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public HttpRequestMetrics(IMeterFactory meterFactory, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("maas.api.http.requests", "{request}", "HTTP requests served, by method, route and status.");
        _duration = _meter.CreateHistogram(
            "maas.api.http.request.duration",
            "s",
            "HTTP request latency, by method, route and status.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _time = time;
        _logger = loggerFactory.CreateLogger(LogCategory);
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var started = _time.GetTimestamp();
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context).ConfigureAwait(false);
            status = context.Response.StatusCode;
        }
        finally
        {
            var elapsed = _time.GetElapsedTime(started);
            var route = Route(context);
            var method = Method(context.Request.Method);
            var statusText = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var tags = new TagList { { "method", method }, { "route", route }, { "status", statusText } };
            _requests.Add(1, tags);
            _duration.Record(elapsed.TotalSeconds, tags);
            NameServerSpan(method, route, status);
            if (_logger.IsEnabled(LogLevel.Information))
            {
                // The gateway's model calls and /v1/usage sign their caller in themselves (context.User).
                LogRequest(_logger, method, route.Length > 0 ? route : LoggedPath(context), status, context.User.Identity?.Name ?? "-", elapsed.TotalMilliseconds);
            }
        }
    }

    public void Dispose() => _meter.Dispose();

    // ASP.NET Core 10 puts the request attributes on its server span but not the route and status
    // (ASP.NET Core 11 will): add them, and name the span "METHOD route" as the HTTP conventions do.
    private static void NameServerSpan(string method, string route, int status)
    {
        // Only a span ASP.NET Core started for a listener; not the bare activity it starts for log
        // correlation when nothing traces (its source has no name), which nobody would read.
        if (Activity.Current is not { IsAllDataRequested: true } activity || activity.Kind != ActivityKind.Server || activity.Source.Name.Length == 0)
        {
            return;
        }

        activity.DisplayName = route.Length > 0 ? method + " " + route : method;
        if (route.Length > 0)
        {
            activity.SetTag("http.route", route);
        }

        activity.SetTag("http.response.status_code", status);
        if (status >= 500)
        {
            activity.SetTag("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    /// <summary>
    /// The matched endpoint's pattern with its leading slash (Razor Pages give <c>keys</c> for <c>/keys</c>),
    /// or empty when no endpoint matched: the metrics' <c>route</c> label, as the Go service's.
    /// </summary>
    private static string Route(HttpContext context)
    {
        var pattern = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        return pattern is null or "" ? "" : pattern[0] == '/' ? pattern : "/" + pattern;
    }

    /// <summary>
    /// What the log line names when no endpoint matched (a 404, a wrong method): the path asked for,
    /// redacted as <see cref="LoggedRequestPath"/> says.
    /// </summary>
    internal static string LoggedPath(HttpContext context) => LoggedRequestPath.Redact((context.Request.PathBase + context.Request.Path).Value);

    // A fixed set, so a client cannot grow the label's cardinality.
    private static string Method(string method) => method switch
    {
        "GET" or "POST" or "PUT" or "DELETE" or "PATCH" or "HEAD" or "OPTIONS" => method,
        _ => "_OTHER",
    };

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "{Method} {Route} {Status} user={User} in {ElapsedMs:0.0} ms")]
    private static partial void LogRequest(ILogger logger, string method, string route, int status, string user, double elapsedMs);
}
