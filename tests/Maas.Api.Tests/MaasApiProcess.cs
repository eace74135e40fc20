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

        return await StartAsync(start, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>
    /// Runs the host as the README does, <c>dotnet run --project samples/Maas.Api -- args</c> (with
    /// <c>--no-build</c> and the tests' configuration: the test build built it), so its launch profile
    /// applies. The environment is this process's without <c>ASPNETCORE_ENVIRONMENT</c> and
    /// <c>DOTNET_ENVIRONMENT</c>, plus <paramref name="environment"/>; the host must answer on <paramref name="baseAddress"/>.
    /// </summary>
    public static async Task<MaasApiProcess> RunAsDocumentedAsync(IEnumerable<string> args, Uri baseAddress, IReadOnlyDictionary<string, string>? environment = null) =>
        await StartAsync(DotnetRun(args, environment), baseAddress);

    /// <summary>What <see cref="RunAsDocumentedAsync"/> starts, for a run that is expected to stop by itself.</summary>
    public static ProcessStartInfo DotnetRun(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, bool launchProfile = true)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] run = ["run", "--no-build", .. launchProfile ? Array.Empty<string>() : ["--no-launch-profile"], "-c", HostPaths.Configuration, "--project", Path.Combine(HostPaths.RepositoryRoot, "samples", "Maas.Api"), "--"];
        foreach (var arg in run.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        start.Environment.Remove("ASPNETCORE_URLS");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>
    /// Runs a host that is expected to stop by itself and returns its exit code and output; one still running
    /// after 60 s is killed and fails the test with <paramref name="stillRunning"/> and what it printed.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(ProcessStartInfo start, string stillRunning)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(stillRunning + await stdout);
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static async Task<MaasApiProcess> StartAsync(ProcessStartInfo start, Uri baseAddress)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start maas-api.");
        var host = new MaasApiProcess(process, baseAddress);
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

    public HttpClient CreateClient(string user, params string[] groups) => MaasClients.WithIdentity(BaseAddress, user, groups);

    /// <summary>Waits (at most 30 s) until a line of the output contains <paramref name="text"/>; returns that line.</summary>
    public async Task<string> WaitForLineAsync(string text)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            if (Output.FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal)) is { } found)
            {
                return found;
            }

            if (started.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException($"No line with '{text}':{Environment.NewLine}{string.Join(Environment.NewLine, Output)}");
            }

            // Poll interval while the console logger writes, not a guess at how long that takes.
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
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
