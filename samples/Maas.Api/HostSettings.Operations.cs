using System.Globalization;
using Maas.Durations;
using Maas.Hosting.CommandLine;

namespace Maas.Api;

/// <summary>The settings an operator runs the host with: the metrics port, the log format and the shutdown bound.</summary>
internal sealed partial class HostSettings
{
    /// <summary>Kubernetes' default grace period; the shutdown bound must leave room below it.</summary>
    internal static readonly TimeSpan KubernetesGracePeriod = TimeSpan.FromSeconds(30);

    /// <summary>Gets the port of the Prometheus scrape endpoint (<c>/metrics</c>), never the API port; 0 turns it off.</summary>
    public int MetricsPort { get; private set; } = 9090;

    /// <summary>Gets the console log format: <c>text</c> (one line per event) or <c>json</c>.</summary>
    public string LogFormat { get; private set; } = "text";

    /// <summary>Gets how long in-flight requests may take to finish after SIGTERM.</summary>
    public TimeSpan ShutdownTimeout { get; private set; } = TimeSpan.FromSeconds(25);

    private static int ParseMetricsPort(GoFlagValue value) =>
        !int.TryParse(value.Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535
            ? throw new HostSettingsException($"invalid value \"{value.Value}\" for {value.Source}: expected a port from 0 (off) to 65535")
            : port;

    private static TimeSpan ParseShutdownTimeout(GoFlagValue value)
    {
        TimeSpan timeout;
        try
        {
            timeout = GoDuration.Parse(value.Value.Trim()).ToTimeSpan();
        }
        catch (FormatException)
        {
            throw new HostSettingsException($"invalid value \"{value.Value}\" for {value.Source}: expected a duration such as 25s");
        }

        return timeout <= TimeSpan.Zero || timeout >= KubernetesGracePeriod
            ? throw new HostSettingsException($"invalid value \"{value.Value}\" for {value.Source}: must be above 0 and below Kubernetes' 30s grace period")
            : timeout;
    }
}
