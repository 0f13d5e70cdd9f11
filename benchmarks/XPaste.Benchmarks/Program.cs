using BenchmarkDotNet.Running;

// Pick benchmarks with --filter, e.g. `dotnet run -c Release --project benchmarks/XPaste.Benchmarks -- --filter '*Paste*'`.
// Benchmarks run in-process: the project BenchmarkDotNet generates for out-of-process runs does not get the
// build step that makes libLibTorchSharp.so loadable on older glibc/libstdc++ (see build/), so TorchSharp
// would fail to load there. Pass --outOfProcess to opt out where TorchSharp loads without the fix.
if (args.Length > 0 && args[0] == "--profile-w1")
{
    XPaste.Benchmarks.Paste.PasteW1Profile.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15);
    return;
}

string[] arguments = args.Contains("--outOfProcess")
    ? args.Where(a => a != "--outOfProcess").ToArray()
    : args.Contains("--inProcess") ? args : [.. args, "--inProcess"];
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(arguments);
