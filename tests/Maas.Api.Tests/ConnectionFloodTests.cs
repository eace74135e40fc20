using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Maas.Api.Tests;

/// <summary>
/// A flood of idle TCP connections past the process's file limit: maas-api, started under a
/// lowered limit (<c>prlimit</c>), keeps living with bounded memory and serves again right after.
/// </summary>
public sealed partial class ConnectionFloodTests
{
    private const int FileLimit = 512;
    private const int HeldConnections = 1_500; // three times the server's whole file limit
    private static readonly TimeSpan s_flood = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Idle_connections_past_the_file_limit_neither_kill_the_host_nor_keep_it_from_serving()
    {
        var start = new ProcessStartInfo("prlimit") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { $"--nofile={FileLimit}:{FileLimit}", "dotnet", HostPaths.MaasApiDll, "--address=127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Maas__Gateway__SharedSecret"] = "flood-test-gateway-secret-0123456789";
        using var host = Process.Start(start)!;
        var output = new List<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.Add(e.Data);
            }

            if (Listening().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        host.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.Add(e.Data);
                }
            }
        };
        host.BeginOutputReadLine();
        host.BeginErrorReadLine();
        try
        {
            var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
            var rssBefore = ResidentKilobytes(host.Id);

            var (opened, maxRss) = await FloodAsync(address, host);
            Assert.False(host.HasExited, "maas-api died during the flood: " + Tail(output));
            // Established connections, accepted or waiting in the kernel's backlog (the host stops
            // accepting at its limit): more than the host could ever hold descriptors for.
            Assert.True(opened > FileLimit, $"the flood opened only {opened} connections");

            // Memory stays bounded: a few hundred MB at most, not the climb to "Out of memory".
            Assert.True(maxRss < 600 * 1024, $"RSS reached {maxRss / 1024} MB during the flood (before: {rssBefore / 1024} MB)");

            // Serving again within 10 s of the flood's end.
            var deadline = Stopwatch.StartNew();
            HttpStatusCode? status = null;
            while (deadline.Elapsed < TimeSpan.FromSeconds(10) && status != HttpStatusCode.OK)
            {
                try
                {
                    using var fresh = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
                    status = (await fresh.GetAsync("/health")).StatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    status = null;
                }
            }

            Assert.True(status == HttpStatusCode.OK, $"/health did not answer within 10 s of the flood's end: {Tail(output)}");
            Assert.False(host.HasExited);
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill(entireProcessTree: true);
            }

            await host.WaitForExitAsync();
        }
    }

    /// <summary>
    /// Keeps <see cref="HeldConnections"/> idle connections open for <see cref="s_flood"/>, replacing the
    /// oldest with a new one in paced batches (the server closes those over its limit); samples RSS.
    /// </summary>
    private static async Task<(int Opened, long MaxRssKilobytes)> FloodAsync(Uri address, Process host)
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, address.Port);
        var held = new Queue<Socket>();
        var opened = 0;
        long maxRss = 0;
        var clock = Stopwatch.StartNew();
        var lastSample = TimeSpan.Zero;
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        try
        {
            while (clock.Elapsed < s_flood && !host.HasExited)
            {
                for (var i = 0; i < 40; i++)
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { LingerState = new LingerOption(true, 0) };
                    try
                    {
                        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                        await socket.ConnectAsync(endpoint, timeout.Token);
                        opened++;
                        held.Enqueue(socket);
                    }
                    catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                    {
                        socket.Dispose(); // the backlog is full: the flood is doing its job
                    }

                    while (held.Count > HeldConnections)
                    {
                        held.Dequeue().Dispose();
                    }
                }

                if (clock.Elapsed - lastSample >= TimeSpan.FromSeconds(1))
                {
                    lastSample = clock.Elapsed;
                    maxRss = Math.Max(maxRss, ResidentKilobytes(host.Id));
                }

                await pace.WaitForNextTickAsync();
            }
        }
        finally
        {
            while (held.TryDequeue(out var socket))
            {
                socket.Dispose();
            }
        }

        return (opened, maxRss);
    }

    private static long ResidentKilobytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0; // the process is gone; the caller reports it
        }
    }

    private static string Tail(List<string> output)
    {
        lock (output)
        {
            return string.Join("\n", output.TakeLast(20));
        }
    }

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();
}
