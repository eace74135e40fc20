using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Maas.Testing;

/// <summary>
/// A real, throwaway Prometheus server for tests: <c>prometheus</c> on 127.0.0.1 with a free port,
/// a temporary config and data folder, scraping one target every second. Query it with
/// <see cref="QueryAsync"/> (PromQL over its HTTP API); the process is killed on dispose, and on
/// process exit if it was never disposed. <see cref="CheckMetricsAsync"/> runs <c>promtool check metrics</c>.
/// </summary>
/// <remarks>Installs nothing: when <c>prometheus</c> or <c>promtool</c> is missing it fails saying how to install them (<c>test.sh</c> does so when run as root).</remarks>
public sealed class PrometheusServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();
    private readonly TemporaryDirectory _directory = new();
    private readonly HttpClient _http = new();
    private Process? _process;

    private PrometheusServer()
    {
    }

    /// <summary>Gets the address of the server's HTTP API.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Starts a server that scrapes <c>http://<paramref name="target"/>/metrics</c> every second, and waits until it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(string target, CancellationToken cancellationToken = default)
    {
        var server = new PrometheusServer();
        try
        {
            await server.StartCoreAsync(target, cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs an instant PromQL query; returns each series' labels and value (empty when nothing matches).</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string promql, CancellationToken cancellationToken = default)
    {
        var uri = new Uri(BaseAddress, "/api/v1/query?query=" + Uri.EscapeDataString(promql));
        using var response = await _http.GetAsync(uri, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Prometheus refused query {promql}: {(int)response.StatusCode} {text}");
        }

        using var document = JsonDocument.Parse(text);
        var results = new List<(IReadOnlyDictionary<string, string>, double)>();
        foreach (var series in document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
            var value = double.Parse(series.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
            results.Add((labels, value));
        }

        return results;
    }

    /// <summary>
    /// Polls <paramref name="promql"/> (one series expected) until its value is <paramref name="expected"/>, and
    /// returns it; after <paramref name="timeout"/> returns whatever the last answer was, so the caller's assertion says what was seen.
    /// </summary>
    public async Task<double?> WaitForValueAsync(string promql, double expected, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.StartNew();
        double? last = null;
        while (true)
        {
            var results = await QueryAsync(promql, cancellationToken).ConfigureAwait(false);
            last = results.Count == 1 ? results[0].Value : null;
            if (last == expected || started.Elapsed > timeout)
            {
                return last;
            }

            // Poll interval between queries (the scrape interval is 1 s), not a guess at timing.
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <c>promtool check metrics</c> over <paramref name="exposition"/>; returns its exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string exposition, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(FindExecutable("promtool"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("check");
        start.ArgumentList.Add("metrics");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start promtool.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(exposition.AsMemory(), cancellationToken).ConfigureAwait(false);
        process.StandardInput.Close();
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return (process.ExitCode, (await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false)));
    }

    /// <summary>Returns what the server printed, for diagnostics.</summary>
    public string ReadOutput()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    /// <summary>Kills the server and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        if (_process is { } process)
        {
            _process = null;
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }

            await process.WaitForExitAsync().ConfigureAwait(false);
            process.Dispose();
        }

        _http.Dispose();
        _directory.Dispose();
    }

    private async Task StartCoreAsync(string target, CancellationToken cancellationToken)
    {
        var port = FreePort.OnLoopback();
        BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        var config = _directory.Combine("prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: maas-api
                metrics_path: /metrics
                static_configs:
                  - targets: ["{target}"]
            """, cancellationToken).ConfigureAwait(false);
        var start = new ProcessStartInfo(FindExecutable("prometheus"))
        {
            WorkingDirectory = _directory.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[
            "--config.file=" + config,
            "--storage.tsdb.path=" + _directory.Combine("data"),
            "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            "--log.level=warn"])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start prometheus.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        await WaitUntilReadyAsync(process, cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitUntilReadyAsync(Process process, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with code {process.ExitCode} while starting on {BaseAddress}:{Environment.NewLine}{ReadOutput()}");
            }

            try
            {
                using var response = await _http.GetAsync(new Uri(BaseAddress, "/-/ready"), cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (started.Elapsed < StartTimeout)
            {
            }

            if (started.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"prometheus was not ready on {BaseAddress} within {StartTimeout.TotalSeconds} s:{Environment.NewLine}{ReadOutput()}");
            }

            // Poll interval between readiness checks, not a guess at how long start-up takes.
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
    }

    private static string FindExecutable(string name)
    {
        foreach (var entry in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin"))
        {
            var candidate = Path.Combine(entry, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"{name} was not found on PATH: install it with `apt-get install prometheus` (./test.sh does so when run as root).");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        // Best effort when the test host exits without disposing: never leak a server.
        try
        {
            _process?.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
