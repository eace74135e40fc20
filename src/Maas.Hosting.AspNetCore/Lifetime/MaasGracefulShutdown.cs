using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Maas.Hosting.Lifetime;

/// <summary>Says when the host starts to stop, and how long in-flight requests have.</summary>
internal sealed partial class MaasGracefulShutdown(IHostApplicationLifetime lifetime, IHostEnvironment environment, ILogger<MaasGracefulShutdown> logger, TimeSpan timeout) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(() => LogStopping(logger, environment.ApplicationName, timeout.TotalSeconds));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "{Application} stopping: accepting no new connections, letting in-flight requests finish within {TimeoutSeconds} s")]
    private static partial void LogStopping(ILogger logger, string application, double timeoutSeconds);
}
