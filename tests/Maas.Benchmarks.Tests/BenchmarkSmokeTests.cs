using System.Diagnostics;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Maas.Benchmarks.Tests;

/// <summary>
/// CI smoke for the benchmarks: runs every benchmark once (BenchmarkDotNet's dry job, in process)
/// and checks that each class produced a result. Measures nothing: speed is for the benchmarks.
/// </summary>
public sealed class BenchmarkSmokeTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);
    private readonly string _artifacts = Path.Combine(Path.GetTempPath(), "maas-bench-smoke-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Every_benchmark_runs_once_in_the_dry_job_and_every_class_reports()
    {
        var assembly = typeof(TokenIssuanceBenchmarks).Assembly;
        var (exitCode, output) = await RunAsync(
            assembly.Location,
            ["--job", "dry", "--inProcess", "--filter", "*", "--artifacts", _artifacts]);

        Assert.True(exitCode == 0, $"The benchmarks exited with {exitCode}:\n{Tail(output)}");
        var results = Path.Combine(_artifacts, "results");
        foreach (var type in BenchmarkClasses(assembly))
        {
            var report = Path.Combine(results, type.FullName + "-report.csv");
            Assert.True(File.Exists(report), $"{type.Name} produced no report:\n{Tail(output)}");
            var rows = File.ReadAllLines(report).Skip(1).Where(line => line.Length > 0).ToList();
            var methods = type.GetMethods().Count(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null);
            Assert.True(rows.Count >= methods, $"{type.Name} reported {rows.Count} rows for {methods} benchmarks.");
        }
    }

    [Fact]
    public void Every_benchmark_class_has_one_baseline_and_the_memory_diagnoser()
    {
        foreach (var type in BenchmarkClasses(typeof(TokenIssuanceBenchmarks).Assembly))
        {
            var baselines = type.GetMethods().Count(m => m.GetCustomAttribute<BenchmarkAttribute>() is { Baseline: true });
            Assert.True(baselines == 1, $"{type.Name} has {baselines} baselines; each class needs its physical floor.");
            Assert.NotNull(type.GetCustomAttribute<MemoryDiagnoserAttribute>());
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_artifacts))
        {
            Directory.Delete(_artifacts, recursive: true);
        }
    }

    private static List<Type> BenchmarkClasses(Assembly assembly) =>
        [.. assembly.GetTypes().Where(t => t.IsPublic && t.GetMethods().Any(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))];

    private static async Task<(int ExitCode, string Output)> RunAsync(string assemblyPath, string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
        };
        start.ArgumentList.Add(assemblyPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The dry benchmark run took longer than {Limit}.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Tail(string output) => output.Length <= 4000 ? output : output[^4000..];
}
