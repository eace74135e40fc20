using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Maas.Api;

/// <summary>
/// Wires OpenTelemetry for <c>maas-api</c>: metrics (Maas, ASP.NET Core, HttpClient, runtime) and
/// traces (Maas, ASP.NET Core, HttpClient), the standard <c>OTEL_*</c> variables, OTLP export when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and a Prometheus scrape endpoint on its own port.
/// Metrics that mean what the Go service's metrics mean are exported under the Go names.
/// </summary>
internal static class MaasApiTelemetry
{
    /// <summary>The path of the Prometheus scrape endpoint on the metrics port.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The meter and activity source of the Maas libraries.</summary>
    private const string MaasName = "Maas";

    /// <summary>
    /// The framework meters exported: requests and their latency, connections, unhandled exceptions,
    /// rate limiting, and the HttpClient calls the gateway makes to models. Not the per-request
    /// routing, authentication, authorization and memory-pool meters that
    /// <c>AddAspNetCoreInstrumentation()</c> adds as well: together they cost about a tenth of
    /// <c>POST /v1/tokens</c>'s throughput (benchmarks/load, telemetry part), and Maas's own
    /// validation counters already say who was refused and why.
    /// </summary>
    private static readonly string[] FrameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "System.Net.Http",
    ];

    public static void Configure(WebApplicationBuilder builder, HostSettings settings, Func<string, string?> environment)
    {
        builder.Services.AddSingleton<HttpRequestMetrics>();
        var openTelemetry = builder.Services.AddOpenTelemetry();
        if (environment("OTEL_SERVICE_NAME") is not { Length: > 0 })
        {
            openTelemetry.ConfigureResource(resource => resource.AddService("maas-api"));
        }

        openTelemetry.WithMetrics(metrics =>
        {
            metrics
                .AddMeter(MaasName, HttpRequestMetrics.MeterName, "System.Runtime")
                .AddMeter(FrameworkMeters)
                // The Go service's names, so its dashboards keep working.
                .AddView("maas.api_keys.created", "maas.api.token_mint")
                .AddView("maas.api_key.validations", "maas.api.key_validation")
                // Prometheus reserves the _count suffix for histograms and summaries (promtool
                // check metrics flags these three runtime gauges): export them without it.
                .AddView("dotnet.assembly.count", "dotnet.assemblies.loaded")
                .AddView("dotnet.process.cpu.count", "dotnet.process.cpus")
                .AddView("dotnet.timer.count", "dotnet.timers");
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

        // The framework's own activity sources (.NET 10 sets the semantic-convention attributes on
        // them), not the instrumentation packages: those subscribe to the DiagnosticListener, which
        // makes ASP.NET Core build an activity and two events for every request, sampled or not.
        // Through .NET 10 the request activity carries the HTTP attributes (method, route, status,
        // ...) only when this switch says so; ASP.NET Core 11 makes it the default.
        AppContext.SetSwitch("Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData", false);
        openTelemetry.WithTracing(tracing => tracing.AddSource(MaasName, "Microsoft.AspNetCore", "System.Net.Http"));
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

    /// <summary>
    /// Serves <c>/metrics</c> on the metrics port only, and nothing else there; counts every API
    /// request by method, route and status.
    /// </summary>
    public static void Map(WebApplication app, HostSettings settings)
    {
        if (settings.MetricsPort > 0)
        {
            app.UseWhen(
                context => context.Connection.LocalPort == settings.MetricsPort,
                metricsPort =>
                {
                    // Scrapes are not traced: the span ASP.NET Core started for this request is
                    // neither recorded nor exported (what the instrumentation packages' filter does).
                    metricsPort.Use((context, next) =>
                    {
                        if (Activity.Current is { } activity && activity.Source.Name == "Microsoft.AspNetCore")
                        {
                            activity.IsAllDataRequested = false;
                            activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
                        }

                        return next(context);
                    });
                    metricsPort.UseOpenTelemetryPrometheusScrapingEndpoint(MetricsPath);
                    metricsPort.Run(context =>
                    {
                        context.Response.StatusCode = StatusCodes.Status404NotFound;
                        return Task.CompletedTask;
                    });
                });
        }

        var requests = app.Services.GetRequiredService<HttpRequestMetrics>();
        app.Use(requests.InvokeAsync);
    }
}

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

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public HttpRequestMetrics(IMeterFactory meterFactory, TimeProvider time, ILogger<HttpRequestMetrics> logger)
    {
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("maas.api.http.requests", "{request}", "HTTP requests served, by method, route and status.");
        _duration = _meter.CreateHistogram(
            "maas.api.http.request.duration",
            "s",
            "HTTP request latency, by method, route and status.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _time = time;
        _logger = logger;
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
    /// without its query, at most <see cref="LoggedPathLength"/> characters, and with any segment
    /// that could be a credential (an <c>sk-maas-</c> key, a JWT) replaced, so a key pasted into a
    /// URL never reaches the log.
    /// </summary>
    internal static string LoggedPath(HttpContext context)
    {
        var path = (context.Request.PathBase + context.Request.Path).Value;
        if (string.IsNullOrEmpty(path))
        {
            return "/";
        }

        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (LooksLikeCredential(segments[i]))
            {
                segments[i] = "{credential}";
            }
        }

        var logged = string.Join('/', segments);
        return logged.Length <= LoggedPathLength ? logged : logged[..LoggedPathLength] + "...";
    }

    private const int LoggedPathLength = 200;

    // Maas keys (sk-maas-...), and anything token-shaped: a JWT's header starts with "eyJ" ({"),
    // and a long unbroken run of base64url characters is treated the same whatever its prefix.
    private static bool LooksLikeCredential(string segment) =>
        segment.Contains("sk-maas-", StringComparison.OrdinalIgnoreCase)
        || segment.Contains("eyJ", StringComparison.Ordinal)
        || (segment.Length >= 32 && segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '%'));

    // A fixed set, so a client cannot grow the label's cardinality.
    private static string Method(string method) => method switch
    {
        "GET" or "POST" or "PUT" or "DELETE" or "PATCH" or "HEAD" or "OPTIONS" => method,
        _ => "_OTHER",
    };

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "{Method} {Route} {Status} user={User} in {ElapsedMs:0.0} ms")]
    private static partial void LogRequest(ILogger logger, string method, string route, int status, string user, double elapsedMs);
}
