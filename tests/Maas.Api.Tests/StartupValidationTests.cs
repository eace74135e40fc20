using System.Diagnostics;
using Maas.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// A wrong flag or setting stops maas-api with one clear line and a non-zero exit code. Every case runs the
/// host's program in-process (<see cref="MaasApiProgram.RunAsync"/>: its environment and configuration given
/// as the process would read them); the cases of <see cref="WrongSettingsInAProcess"/> also start the real
/// executable, for what only a process shows: flags and environment as the runtime hands them over, stderr, the exit code.
/// </summary>
public sealed class StartupValidationTests
{
    public static TheoryData<string[], string[], string> WrongSettings => new()
    {
        { ["--storage", "cloud"], [], "invalid value \"cloud\" for --storage" },
        { [], ["STORAGE_MODE=cloud"], "invalid value \"cloud\" for STORAGE_MODE" },
        { ["--address", "not-an-address"], [], "invalid value \"not-an-address\" for --address" },
        { ["--address=127.0.0.1:99999"], [], "port \"99999\"" },
        { [], ["ADDRESS=localhost:http"], "for ADDRESS" },
        { ["--bogus"], [], "flag provided but not defined: -bogus" },
        { ["--storage=external"], [], "--db-connection-url" },
        { [], ["Maas__Tokens__Minimum=2h", "Maas__Tokens__Maximum=1h", "Maas__Tokens__Default=90m"], "Maas:Tokens:Minimum (2h0m0s) is above Maas:Tokens:Maximum (1h0m0s)" },
        { [], ["Maas__Tiers__0__Name=gold", "Maas__Tiers__0__Groups__0=a", "Maas__Tiers__1__Name=gold", "Maas__Tiers__1__Groups__0=b"], "two tiers named 'gold'" },
        { [], ["DB_MAX_OPEN_CONNS=lots"], "DB_MAX_OPEN_CONNS" },
        { [], ["Kestrel__Limits__MaxConcurrentConnections=lots"], "Kestrel:Limits:MaxConcurrentConnections" },
        { [], ["Kestrel__Limits__MaxConcurrentConnections=-5"], "invalid Kestrel configuration" },
        { [], ["Maas__TrustedProxies__0=gateway.local"], "Maas:TrustedProxies:0" },
        { [], ["Maas__AuthenticationThrottle__FailureLimit=0"], "Maas:AuthenticationThrottle:FailureLimit" },
        { [], ["Maas__AuthenticationThrottle__Window=00:00:00"], "Maas:AuthenticationThrottle:Window" },
        { [], ["Maas__Gateway__SharedSecret=                "], "Maas:Gateway:SharedSecret must not be blank or start or end with whitespace" },
        { [], ["Maas__Gateway__SharedSecret= 0123456789abcdef0123 "], "Maas:Gateway:SharedSecret must not be blank or start or end with whitespace" },

        // Every options class, each with a value it refuses, named in the one line.
        { [], ["Maas__Audience= "], "Maas:Audience must not be empty" }, // MaasOptions
        { [], ["Maas__Tokens__Maximum=lots"], "'Maas:Tokens:Maximum'" }, // MaasOptions, a value the binder cannot convert
        { [], ["Maas__Validation__CacheCapacity=1"], "Maas:Validation:CacheCapacity: The field" }, // ValidationOptions
        { [], ["Maas__Validation__UsageFlushInterval=1ms"], "Maas:Validation:UsageFlushInterval must be at least 100ms" }, // ValidationOptions
        { [], ["Maas__Signing__KeyFiles__0=/nonexistent/maas-signing-key.pem"], "Maas:Signing:KeyFiles:0 names '/nonexistent/maas-signing-key.pem', which does not exist" }, // SigningOptions
        { [], ["Maas__Gateway__UserHeader= "], "Maas:Gateway header names must not be empty" }, // TrustedGatewayOptions
        { [], ["Maas__AuthenticationThrottle__AddressCapacity=0"], "Maas:AuthenticationThrottle:AddressCapacity: The field" }, // MaasAuthenticationThrottleOptions
        { ["--storage=disk", "--data-path=/tmp/maas-startup-validation/never-created.db"], ["Maas__Storage__Sqlite__BusyTimeout=02:00:00"], "Maas:Storage:Sqlite:BusyTimeout: The field" }, // SqliteKeyStoreOptions
        { ["--storage=external", "--db-connection-url=postgresql://maas@127.0.0.1:1/maas"], ["Maas__Storage__PostgreSql__ListenerPingTimeout=00:00:00"], "Maas:Storage:PostgreSql:ListenerPingTimeout: The field" }, // PostgreSqlStorageOptions
        { ["--storage=external", "--db-connection-url=mysql://maas@127.0.0.1:1/maas"], [], "Maas:Storage:PostgreSql:ConnectionUrl: The database URL must start with postgresql://" }, // PostgreSqlStorageOptions
        { [], ["Maas__Gateway__Forwarding__UpstreamTimeout=00:00:00"], "Maas:Gateway:Forwarding:UpstreamTimeout must be positive" }, // GatewayForwardingOptions
        { [], ["Maas__Gateway__Limits__KeyPrefix= "], "Maas:Gateway:Limits:KeyPrefix must be a non-empty Redis key prefix" }, // GatewayLimitOptions
        { [], ["Maas__Simulator__DefaultMaxTokens=0"], "Simulator:DefaultMaxTokens must be at least 1" }, // ModelSimulatorOptions
    };

    /// <summary>
    /// The cases a process must show besides: a flag, a host setting and a configuration value read from the real
    /// environment, a value the binder cannot convert, and Kestrel's own configuration.
    /// </summary>
    public static TheoryData<string[], string[], string> WrongSettingsInAProcess => new()
    {
        { ["--storage", "cloud"], [], "invalid value \"cloud\" for --storage" },
        { [], ["STORAGE_MODE=cloud"], "invalid value \"cloud\" for STORAGE_MODE" },
        { ["--bogus"], [], "flag provided but not defined: -bogus" },
        { [], ["Kestrel__Limits__MaxConcurrentConnections=-5"], "invalid Kestrel configuration" },
        { [], ["Maas__Tokens__Minimum=2h", "Maas__Tokens__Maximum=1h", "Maas__Tokens__Default=90m"], "Maas:Tokens:Minimum (2h0m0s) is above Maas:Tokens:Maximum (1h0m0s)" },
        { [], ["Maas__Tokens__Maximum=lots"], "'Maas:Tokens:Maximum'" },
    };

    [Theory]
    [MemberData(nameof(WrongSettings))]
    public async Task Wrong_setting_stops_the_program_with_one_clear_line_and_exit_code_2(string[] args, string[] environment, string expected)
    {
        var (exitCode, stderr, logged) = await RunInProcessAsync(args, environment);
        Assert.Equal(2, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("maas-api: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr + logged, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(WrongSettingsInAProcess))]
    public async Task Wrong_setting_stops_the_host_with_one_clear_line(string[] args, string[] environment, string expected)
    {
        var (exitCode, stdout, stderr) = await RunHostAsync(args, environment);
        Assert.NotEqual(0, exitCode);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("maas-api: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Port_already_in_use_stops_the_host_with_one_line_and_exit_code_2()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, stdout, stderr) = await RunHostAsync([$"--address=127.0.0.1:{port}"], []);
        Assert.Equal(2, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("maas-api: cannot listen: ", line, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.Contains("address already in use", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stdout + stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs <see cref="MaasApiProgram.RunAsync"/> as <see cref="RunHostAsync"/> runs the process: Development, no metrics
    /// port, <paramref name="environment"/> both as the host's environment and as configuration (<c>__</c> for <c>:</c>, as
    /// the environment's configuration source reads it). Returns the exit code, what it wrote to stderr, and every log
    /// line with its exception.
    /// </summary>
    internal static async Task<(int ExitCode, string Stderr, string Logged)> RunInProcessAsync(string[] args, string[] environment)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal) { ["ASPNETCORE_ENVIRONMENT"] = "Development", ["METRICS_PORT"] = "0" };
        foreach (var pair in environment)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            variables[pair[..equals]] = pair[(equals + 1)..];
        }

        // Never let a misparsed test start a server that keeps running: it listens on a free port and stops after 60 s.
        string[] withAddress = args.Any(a => a.StartsWith("--address", StringComparison.Ordinal)) || variables.ContainsKey("ADDRESS") ? args : [.. args, "--address=127.0.0.1:0"];
        using var logs = new FakeLoggerProvider();
        using var stderr = new StringWriter();
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var exitCode = await MaasApiProgram.RunAsync(
            withAddress,
            stderr,
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(variables.Select(v => KeyValuePair.Create<string, string?>(v.Key.Replace("__", ":", StringComparison.Ordinal), v.Value)));
                builder.Logging.AddProvider(logs);
            },
            name => variables.GetValueOrDefault(name),
            "Development",
            stopping.Token);
        var logged = string.Join(Environment.NewLine, logs.Collector.GetSnapshot().Select(r => r.Message + Environment.NewLine + r.Exception));
        return (exitCode, stderr.ToString(), logged);
    }

    internal static async Task<(int ExitCode, string Stdout, string Stderr)> RunHostAsync(string[] args, string[] environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HostPaths.MaasApiDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["METRICS_PORT"] = "0";
        foreach (var pair in environment)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            start.Environment[pair[..equals]] = pair[(equals + 1)..];
        }

        // Never let a misparsed test start a server that keeps running.
        if (!args.Any(a => a.StartsWith("--address", StringComparison.Ordinal)) && !environment.Any(e => e.StartsWith("ADDRESS=", StringComparison.Ordinal)))
        {
            start.ArgumentList.Add("--address=127.0.0.1:0");
        }

        return await MaasApiProcess.RunToExitAsync(start, "maas-api did not stop on a wrong setting: ");
    }
}

/// <summary>Where the built sample host lives, next to this test assembly's configuration.</summary>
internal static class HostPaths
{
    public static string RepositoryRoot => RepositoryCheckout.Root;

    public static string MaasApiDll { get; } = Path.Combine(
        RepositoryRoot, "samples", "Maas.Api", "bin", Configuration, "net10.0", "maas-api.dll");

    public static string Configuration => RepositoryCheckout.Configuration;
}
