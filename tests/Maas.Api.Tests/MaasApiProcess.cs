using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// The built <c>maas-api</c> executable as a child process on 127.0.0.1 with a free port, for
/// what only a real process shows: its console output, SIGTERM and its exit code. Killed on dispose.
/// </summary>
internal sealed class MaasApiProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;

    private MaasApiProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public ConcurrentQueue<string> Output { get; } = new();

    public static async Task<MaasApiProcess> StartAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var port = FreePort.OnLoopback();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(HostPaths.MaasApiDll);
        start.ArgumentList.Add("--address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["METRICS_PORT"] = "0";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start maas-api.");
        var host = new MaasApiProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await host.WaitUntilLiveAsync();
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    public HttpClient CreateClient(string user, params string[] groups)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Add("X-MaaS-Username", user);
        client.DefaultRequestHeaders.Add("X-MaaS-Group", "[" + string.Join(",", groups.Select(g => "\"" + g + "\"")) + "]");
        return client;
    }

    /// <summary>Sends SIGTERM and waits (at most <paramref name="within"/>) for the exit; returns the exit code, or null when it did not exit.</summary>
    public async Task<int?> TerminateAsync(TimeSpan within)
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task WaitUntilLiveAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress };
        var started = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"maas-api exited with code {_process.ExitCode}:{Environment.NewLine}{string.Join(Environment.NewLine, Output)}");
            }

            try
            {
                if ((await client.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (started.Elapsed < StartTimeout)
            {
            }

            if (started.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException("maas-api did not answer /healthz:" + Environment.NewLine + string.Join(Environment.NewLine, Output));
            }

            // Poll interval between attempts, not a guess at how long start-up takes.
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            Output.Enqueue(line);
        }
    }
}
