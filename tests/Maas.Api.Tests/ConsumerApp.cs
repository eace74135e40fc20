using System.Diagnostics;
using System.Net;
using System.Text;

namespace Maas.Api.Tests;

/// <summary>A fresh app built by <see cref="PackageConsumerTests"/>, run with <c>dotnet</c> on 127.0.0.1 (Development), its output kept for failure messages.</summary>
internal sealed class ConsumerApp : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ConsumerApp(Process process, int port)
    {
        _process = process;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri BaseAddress { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ConsumerApp Start(string folder, int port, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        start.ArgumentList.Add(Path.Combine(folder, "App.dll"));
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        var app = new ConsumerApp(Process.Start(start)!, port);
        app._process.OutputDataReceived += (_, e) => app.Append(e.Data);
        app._process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        app._process.BeginOutputReadLine();
        app._process.BeginErrorReadLine();
        return app;
    }

    /// <summary>Polls <paramref name="path"/> until it answers 200 (the app has started), for at most a minute.</summary>
    public async Task WaitUntilAnsweringAsync(HttpClient client, string path)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if ((await client.GetAsync(path)).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (started.Elapsed < TimeSpan.FromSeconds(60) && !_process.HasExited)
            {
                // Poll interval while the app starts, not a guess at how long that takes.
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
