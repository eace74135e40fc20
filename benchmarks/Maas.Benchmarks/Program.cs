using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// Runs the benchmarks named by --filter; see benchmarks/README.md. Exits 1 when a benchmark
// failed (an exception, a validation error, or no result), so CI can run it.
// "scale [--keys N] [--postgres URL] [--out FILE]" runs the external store at millions of keys instead.
if (args is ["scale", ..])
{
    return await Maas.Benchmarks.Scale.ScaleRun.RunAsync(args[1..]);
}

// "ledger-scale [--rows N] [--postgres URL] [--out FILE]" runs the usage ledger at millions of rows.
if (args is ["ledger-scale", ..])
{
    return await Maas.Benchmarks.Scale.LedgerScaleRun.RunAsync(args[1..]);
}

IConfig? config = null;
#if DEBUG
// A Debug build measures nothing worth reading, but `dotnet test` without -c Release still smoke-tests it.
config = DefaultConfig.Instance.WithOptions(ConfigOptions.DisableOptimizationsValidator);
#endif
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
var failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success || r.ResultStatistics is null));
return failed ? 1 : 0;
