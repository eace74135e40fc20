using BenchmarkDotNet.Running;

// Runs the benchmarks named by --filter; see benchmarks/README.md.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
