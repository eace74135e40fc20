using System.Globalization;
using Maas.Durations;

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

    private void ApplyOperations(Dictionary<string, (string Value, string Source)> values)
    {
        if (values.TryGetValue("metrics-port", out var metricsPort))
        {
            if (!int.TryParse(metricsPort.Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            {
                throw new HostSettingsException($"invalid value \"{metricsPort.Value}\" for {metricsPort.Source}: expected a port from 0 (off) to 65535");
            }

            MetricsPort = port;
        }

        if (values.TryGetValue("log-format", out var logFormat))
        {
            LogFormat = logFormat.Value.Trim().ToLowerInvariant() switch
            {
                "text" => "text",
                "json" => "json",
                _ => throw new HostSettingsException($"invalid value \"{logFormat.Value}\" for {logFormat.Source}: use text or json"),
            };
        }

        if (values.TryGetValue("shutdown-timeout", out var shutdown))
        {
            TimeSpan timeout;
            try
            {
                timeout = GoDuration.Parse(shutdown.Value.Trim()).ToTimeSpan();
            }
            catch (FormatException)
            {
                throw new HostSettingsException($"invalid value \"{shutdown.Value}\" for {shutdown.Source}: expected a duration such as 25s");
            }

            if (timeout <= TimeSpan.Zero || timeout >= KubernetesGracePeriod)
            {
                throw new HostSettingsException($"invalid value \"{shutdown.Value}\" for {shutdown.Source}: must be above 0 and below Kubernetes' 30s grace period");
            }

            ShutdownTimeout = timeout;
        }
    }
}
