using BenchmarkDotNet.Running;

// Pick benchmarks with --filter, e.g. `dotnet run -c Release --project benchmarks/XPaste.Benchmarks -- --filter '*Paste*'`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
