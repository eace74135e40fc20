namespace Maas.Api;

/// <summary>
/// Graceful shutdown on SIGTERM: the generic host stops Kestrel, which accepts no new connection
/// and lets in-flight requests finish within <c>--shutdown-timeout</c> (default 25s, below
/// Kubernetes' 30s grace period); disposing the services then flushes the recorded key usage to
/// the store, and <c>Program</c> exits 0.
/// </summary>
internal static partial class MaasApiShutdown
{
    public static void Configure(WebApplicationBuilder builder, HostSettings settings) =>
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownTimeout);

    public static void Watch(WebApplication app, HostSettings settings)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Maas.Api");
        app.Lifetime.ApplicationStopping.Register(() => LogStopping(logger, settings.ShutdownTimeout.TotalSeconds));
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "maas-api stopping: accepting no new connections, letting in-flight requests finish within {TimeoutSeconds} s")]
    private static partial void LogStopping(ILogger logger, double timeoutSeconds);
}
