using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Xunit;

namespace Maas.Testing;

/// <summary>
/// A real, throwaway PostgreSQL server for tests: <c>initdb</c> into a temporary folder (as the
/// <c>postgres</c> OS user when the tests run as root, since PostgreSQL refuses root), listening on
/// 127.0.0.1 with a free port and password (SCRAM) authentication for a superuser. Share it with
/// <c>[assembly: AssemblyFixture(typeof(PostgreSqlServer))]</c> so it starts once per test assembly
/// and the classes using it run in parallel; give each test its own empty database with
/// <see cref="CreateDatabaseAsync"/>. Classes that stop or restart it take one of their own
/// (a collection or class fixture).
/// </summary>
/// <remarks>
/// Installs nothing: when the server binaries are missing it fails saying how to install them.
/// Set <c>MAAS_POSTGRES_BIN</c> to a folder holding <c>initdb</c>, <c>pg_ctl</c> and <c>postgres</c>
/// to choose a particular installation.
/// </remarks>
public sealed class PostgreSqlServer : IAsyncLifetime
{
    /// <summary>The superuser the server is initialised with.</summary>
    public const string SuperuserName = "maas_admin";

    private const string PostgresOsUser = "postgres";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private string? _binDirectory;
    private string? _root;
    private int _databaseCounter;
    private bool _running;

    /// <summary>Gets the host the server listens on.</summary>
    public string Host { get; } = "127.0.0.1";

    /// <summary>Gets the TCP port the server listens on; it stays the same across restarts.</summary>
    public int Port { get; private set; }

    /// <summary>
    /// Gets the superuser's password. It is random, unique to this server, and contains characters
    /// that need percent-encoding in a URL, so redaction and URL decoding tests are meaningful.
    /// </summary>
    public string Password { get; } =
        "Pg-S3cret@:/%?#" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();

    /// <summary>Gets the data directory.</summary>
    public string DataDirectory => Path.Combine(Root, "data");

    /// <summary>Gets the major version of the server binaries, such as 15.</summary>
    public int MajorVersion { get; private set; }

    private string Root => _root ?? throw new InvalidOperationException("The server has not been initialised.");

    private string LogFile => Path.Combine(Root, "server.log");

    private string BinDirectory => _binDirectory ?? throw new InvalidOperationException("The server has not been initialised.");

    /// <summary>Creates the cluster and starts the server.</summary>
    public async Task InitializeAsync()
    {
        _binDirectory = FindBinDirectory();
        MajorVersion = await ReadMajorVersionAsync(_binDirectory).ConfigureAwait(false);
        _root = Directory.CreateTempSubdirectory("maas-pg-").FullName;
        Port = FreePort.OnLoopback();
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;

        if (IsRoot)
        {
            await RunAsync("chown", [$"{PostgresOsUser}:", Root], asPostgres: false).ConfigureAwait(false);
        }

        var passwordFile = Path.Combine(Root, "pwfile");
        await File.WriteAllTextAsync(passwordFile, Password + "\n").ConfigureAwait(false);
        if (IsRoot)
        {
            await RunAsync("chown", [$"{PostgresOsUser}:", passwordFile], asPostgres: false).ConfigureAwait(false);
        }

        try
        {
            await RunAsync(
                Path.Combine(BinDirectory, "initdb"),
                [
                    "--pgdata", DataDirectory,
                    "--username", SuperuserName,
                    "--pwfile", passwordFile,
                    "--auth", "scram-sha-256",
                    "--encoding", "UTF8",
                    "--locale", "C",
                    "--no-sync",
                ],
                asPostgres: IsRoot).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(passwordFile);
        }

        var settings = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"port = {Port}")
            .AppendLine("listen_addresses = '127.0.0.1'")
            .AppendLine(CultureInfo.InvariantCulture, $"unix_socket_directories = '{Root}'")
            .AppendLine("max_connections = 300")
            .AppendLine("fsync = off")
            .AppendLine("synchronous_commit = off")
            .AppendLine("full_page_writes = off")
            .AppendLine("log_min_messages = warning");
        await File.AppendAllTextAsync(Path.Combine(DataDirectory, "postgresql.conf"), settings.ToString()).ConfigureAwait(false);

        await StartAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the server and deletes its folder.</summary>
    public async Task DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        if (_root is null)
        {
            return;
        }

        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temporary folder left behind is not worth failing the run.
            }

            _lifecycle.Dispose();
        }
    }

    /// <summary>Starts the server (again) on the same port and data directory, and waits until it accepts connections.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_running)
            {
                return;
            }

            // -W: do not let pg_ctl wait; we poll with real connection attempts below.
            await RunAsync(
                Path.Combine(BinDirectory, "pg_ctl"),
                ["start", "-W", "--pgdata", DataDirectory, "--log", LogFile],
                asPostgres: IsRoot,
                cancellationToken).ConfigureAwait(false);
            _running = true;
            await WaitUntilAcceptingAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops the server with <c>pg_ctl stop -m fast</c> (sessions are terminated), keeping its data.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_running)
            {
                return;
            }

            await RunAsync(
                Path.Combine(BinDirectory, "pg_ctl"),
                ["stop", "-m", "fast", "-w", "--pgdata", DataDirectory],
                asPostgres: IsRoot,
                cancellationToken).ConfigureAwait(false);
            _running = false;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Creates a fresh, empty database and returns an Npgsql connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken = default)
    {
        var name = string.Create(
            CultureInfo.InvariantCulture,
            $"maas_test_{Interlocked.Increment(ref _databaseCounter)}");
        // Unpooled: a pooled connection would not survive StopAsync/StartAsync.
        var admin = new NpgsqlConnectionStringBuilder(ConnectionString("postgres")) { Pooling = false }.ConnectionString;
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // FILE_COPY (PostgreSQL 15+) copies template files instead of WAL-logging every block: much faster for tests.
            var strategy = MajorVersion >= 15 ? " STRATEGY = FILE_COPY" : string.Empty;
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"{strategy}", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return ConnectionString(name);
    }

    /// <summary>Returns an Npgsql connection string for the superuser and <paramref name="database"/>.</summary>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = SuperuserName,
            Password = Password,
            Database = database,
        }.ConnectionString;

    /// <summary>Returns a <c>postgresql://</c> URL for the superuser and <paramref name="database"/>, percent-encoded.</summary>
    public string ConnectionUrl(string database) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"postgresql://{Uri.EscapeDataString(SuperuserName)}:{Uri.EscapeDataString(Password)}@{Host}:{Port}/{Uri.EscapeDataString(database)}");

    /// <summary>Returns the last lines of the server log, for diagnostics.</summary>
    public string ReadLogTail(int lines = 40)
    {
        try
        {
            var all = File.ReadAllLines(LogFile);
            return string.Join(Environment.NewLine, all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException)
        {
            return "(no server log)";
        }
    }

    private static bool IsRoot => OperatingSystem.IsLinux() && Environment.UserName == "root";

    private async Task WaitUntilAcceptingAsync(CancellationToken cancellationToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(ConnectionString("postgres"))
        {
            Pooling = false,
            Timeout = 2,
        }.ConnectionString;
        var started = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException)
            {
                if (started.Elapsed > StartTimeout)
                {
                    throw new InvalidOperationException(
                        $"PostgreSQL did not accept connections on {Host}:{Port} within {StartTimeout.TotalSeconds} s. Server log:{Environment.NewLine}{ReadLogTail()}",
                        ex);
                }
            }

            // Poll interval between connection attempts, not a guess at how long start-up takes.
            await Task.Delay(TimeSpan.FromMilliseconds(25), cancellationToken).ConfigureAwait(false);
        }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        if (!_running || _binDirectory is null || _root is null)
        {
            return;
        }

        // Best effort when the test host exits without disposing fixtures: never leak a server.
        using var process = Process.Start(CreateStartInfo(
            Path.Combine(_binDirectory, "pg_ctl"),
            ["stop", "-m", "immediate", "--pgdata", DataDirectory],
            IsRoot));
        process?.WaitForExit(10_000);
    }

    private static string FindBinDirectory()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("MAAS_POSTGRES_BIN") is { Length: > 0 } configured)
        {
            candidates.Add(configured);
        }

        foreach (var entry in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var initdb = Path.Combine(entry, "initdb");
            if (File.Exists(initdb))
            {
                // Follow /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb to find its siblings.
                var resolved = File.ResolveLinkTarget(initdb, returnFinalTarget: true)?.FullName ?? initdb;
                candidates.Add(Path.GetDirectoryName(resolved)!);
                candidates.Add(entry);
            }
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        foreach (var candidate in candidates)
        {
            if (File.Exists(Path.Combine(candidate, "initdb"))
                && File.Exists(Path.Combine(candidate, "pg_ctl"))
                && File.Exists(Path.Combine(candidate, "postgres")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "The PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or in /usr/lib/postgresql/*/bin. "
            + "Install them, for example with `apt-get install postgresql` (Debian/Ubuntu), or set MAAS_POSTGRES_BIN to their folder. "
            + "The tests start their own throwaway server; nothing else is needed.");
    }

    private static async Task<int> ReadMajorVersionAsync(string binDirectory)
    {
        // "postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)"
        var output = await RunAsync(Path.Combine(binDirectory, "postgres"), ["--version"], asPostgres: false).ConfigureAwait(false);
        var marker = output.IndexOf(')', StringComparison.Ordinal);
        var version = output[(marker + 1)..].Trim().Split('.', ' ')[0];
        return int.Parse(version, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private async Task<string> RunAsync(string fileName, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken cancellationToken = default)
    {
        var startInfo = CreateStartInfo(fileName, arguments, asPostgres);
        if (_root is not null)
        {
            startInfo.WorkingDirectory = _root;
        }

        return await RunAsync(startInfo, cancellationToken).ConfigureAwait(false);
    }

    private static Task<string> RunAsync(string fileName, IReadOnlyList<string> arguments, bool asPostgres) =>
        RunAsync(CreateStartInfo(fileName, arguments, asPostgres), CancellationToken.None);

    private static async Task<string> RunAsync(ProcessStartInfo startInfo, CancellationToken cancellationToken)
    {
        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {startInfo.FileName}.");

        // pg_ctl start leaves the server holding inherited pipes open; read until the child exits, not to EOF.
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);

        string output;
        lock (stdout)
        {
            lock (stderr)
            {
                output = stdout.ToString() + stderr;
            }
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(startInfo.FileName)} {string.Join(' ', startInfo.ArgumentList)} failed with exit code {process.ExitCode}:{Environment.NewLine}{output}");
        }

        return output;
    }

    private static ProcessStartInfo CreateStartInfo(string fileName, IReadOnlyList<string> arguments, bool asPostgres)
    {
        var startInfo = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        if (!asPostgres)
        {
            startInfo.FileName = fileName;
            foreach (var argument in arguments)
            {
                startInfo.ArgumentList.Add(argument);
            }
        }
        else if (File.Exists("/usr/sbin/runuser") || File.Exists("/sbin/runuser") || File.Exists("/usr/bin/runuser"))
        {
            startInfo.FileName = "runuser";
            foreach (var argument in (IEnumerable<string>)["-u", PostgresOsUser, "--", fileName, .. arguments])
            {
                startInfo.ArgumentList.Add(argument);
            }
        }
        else
        {
            startInfo.FileName = "su";
            startInfo.ArgumentList.Add(PostgresOsUser);
            startInfo.ArgumentList.Add("-s");
            startInfo.ArgumentList.Add("/bin/sh");
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add("exec " + string.Join(' ', new[] { fileName }.Concat(arguments).Select(ShellQuote)));
        }

        return startInfo;
    }

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
