using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Maas.Testing;

/// <summary>
/// A real, throwaway Redis server for tests: <c>redis-server</c> on 127.0.0.1 with a free port, its
/// working folder a temporary directory, no persistence. <see cref="StopAsync"/> and
/// <see cref="StartAgainAsync"/> (same port and folder) make outages; the process is killed on
/// dispose, and on process exit if a fixture was never disposed. Share it with
/// <c>[assembly: AssemblyFixture(typeof(RedisServer))]</c> (classes using it run in parallel) and
/// give each test its own key prefix; classes that stop it or read server-wide state take one of
/// their own (a class fixture).
/// </summary>
/// <remarks>Installs nothing: when <c>redis-server</c> is missing it fails saying how to install it (<c>test.sh</c> does so when run as root).</remarks>
public sealed class RedisServer : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly StringBuilder _output = new();
    private TemporaryDirectory? _directory;
    private Process? _process;

    /// <summary>Gets the host the server listens on.</summary>
    public string Host { get; } = "127.0.0.1";

    /// <summary>Gets the TCP port the server listens on; it stays the same across restarts.</summary>
    public int Port { get; private set; }

    /// <summary>Gets a StackExchange.Redis configuration string for the server.</summary>
    public string Configuration => string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    /// <summary>Finds a free port and starts the server.</summary>
    public async Task InitializeAsync()
    {
        _directory = new TemporaryDirectory();
        Port = FreePort.OnLoopback();
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        await StartAgainAsync().ConfigureAwait(false);
    }

    /// <summary>Kills the server and deletes its folder.</summary>
    public async Task DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _directory?.Dispose();
            _lifecycle.Dispose();
        }
    }

    /// <summary>Starts the server (again) on the same port and folder, and waits until it answers <c>PING</c>.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_process is not null)
            {
                return;
            }

            var startInfo = new ProcessStartInfo
            {
                FileName = FindExecutable(),
                WorkingDirectory = _directory!.Path,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in (string[])[
                "--port", Port.ToString(CultureInfo.InvariantCulture),
                "--bind", Host,
                "--dir", _directory.Path,
                "--save", string.Empty,
                "--appendonly", "no",
                "--daemonize", "no",
                "--protected-mode", "no"])
            {
                startInfo.ArgumentList.Add(argument);
            }

            var process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start redis-server.");
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;
            await WaitUntilAnsweringAsync(process, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Kills the server (an outage, not a shutdown: clients see their connections drop) and waits until it is gone.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_process is not { } process)
            {
                return;
            }

            _process = null;
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }

            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            process.Dispose();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open but nothing is answered, so clients time out.</summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>Lets a paused server run again (SIGCONT); it then answers what was queued.</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    /// <summary>Returns what the server printed, for diagnostics.</summary>
    public string ReadOutput()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private async Task SignalAsync(string signal)
    {
        var pid = (_process ?? throw new InvalidOperationException("The server is not running.")).Id;
        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("Could not run kill.");
        await kill.WaitForExitAsync().ConfigureAwait(false);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} {pid} failed with exit code {kill.ExitCode}.");
        }
    }

    private static string FindExecutable()
    {
        foreach (var entry in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(entry, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("redis-server was not found on PATH: install it with `apt-get install redis-server` (./test.sh does so when run as root).");
    }

    private async Task WaitUntilAnsweringAsync(Process process, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {process.ExitCode} while starting on {Host}:{Port}:{Environment.NewLine}{ReadOutput()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(Host, Port, cancellationToken).ConfigureAwait(false);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                var buffer = new byte[64];
                var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException) when (started.Elapsed < StartTimeout)
            {
            }
            catch (IOException) when (started.Elapsed < StartTimeout)
            {
            }

            if (started.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"redis-server did not answer PING on {Host}:{Port} within {StartTimeout.TotalSeconds} s:{Environment.NewLine}{ReadOutput()}");
            }

            // Poll interval between connection attempts, not a guess at how long start-up takes.
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
        }
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
        // Best effort when the test host exits without disposing fixtures: never leak a server.
        try
        {
            _process?.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
