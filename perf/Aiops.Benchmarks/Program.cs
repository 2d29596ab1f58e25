using BenchmarkDotNet.Running;

// Run: dotnet run -c Release --project perf/Aiops.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
