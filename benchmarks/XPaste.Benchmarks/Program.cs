using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// Pick benchmarks with --filter, e.g. `dotnet run -c Release --project benchmarks/XPaste.Benchmarks -- --filter '*Paste*'`.
// Benchmarks run in-process: the project BenchmarkDotNet generates for out-of-process runs does not get the
// build step that makes libLibTorchSharp.so loadable on older glibc/libstdc++ (see build/), so TorchSharp
// would fail to load there. Pass --outOfProcess to opt out where TorchSharp loads without the fix.
// --threads N sets libtorch's intra-op thread count first (the paste kernel's CPU path follows it too).
// XPaste's process settings (OpenMP wait policy, malloc) before anything touches libtorch.
XPaste.Runtime.TorchSharpRuntime.EnsureLoaded();
int threadsAt = Array.IndexOf(args, "--threads");
if (threadsAt >= 0)
{
    TorchSharp.torch.set_num_threads(int.Parse(args[threadsAt + 1], System.Globalization.CultureInfo.InvariantCulture));
    args = [.. args.Take(threadsAt), .. args.Skip(threadsAt + 2)];
}

if (args.Length > 0 && args[0] == "--profile-w1")
{
    XPaste.Benchmarks.Paste.PasteW1Profile.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15);
    return;
}

if (args.Length > 0 && args[0] == "--fewstep-cost")
{
    int[] sizes = args.Length > 1 ? [.. args.Skip(1).Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture))] : [256, 512];
    XPaste.Benchmarks.Generation.FewStepCost.Run(sizes);
    return;
}

if (args.Length > 0 && args[0] == "--kernel-rates")
{
    XPaste.Benchmarks.SideBySide.SideBySideRunner.KernelRates();
    return;
}

if (args.Length > 2 && args[0] == "--vae-layouts")
{
    XPaste.Benchmarks.SideBySide.SideBySideRunner.VaeLayouts(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
    return;
}

if (args.Length > 2 && args[0] == "--profile-unet")
{
    XPaste.Benchmarks.SideBySide.StageProfile.Stage(args[1], "sd-unet", int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), rounds: 1, withOrt: false);
    return;
}

if (args.Length > 1 && args[0] == "--unet-precision")
{
    XPaste.Benchmarks.Generation.UnetPrecision.Run(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
    return;
}

if (args.Length > 3 && args[0] == "--profile-stage")
{
    XPaste.Benchmarks.SideBySide.StageProfile.Stage(args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
    return;
}

if (args.Length > 3 && args[0] == "--profile-u2net")
{
    XPaste.Benchmarks.SideBySide.StageProfile.U2NetBlocks(args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
    return;
}

if (args.Length > 2 && args[0] == "--profile-sam")
{
    XPaste.Benchmarks.SideBySide.SideBySideProfile.Sam(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
    return;
}

if (args.Length > 1 && args[0] == "--side-by-side")
{
    XPaste.Benchmarks.SideBySide.SideBySideRunner.Run(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "--parity-w1")
{
    XPaste.Benchmarks.Paste.ParityW1.Run();
    return;
}

// In process, with a long timeout: the reference-style baselines take minutes on a busy machine, more than the
// default in-process toolchain allows.
bool outOfProcess = args.Contains("--outOfProcess");
string[] arguments = [.. args.Where(a => a != "--outOfProcess" && a != "--inProcess")];
BenchmarkDotNet.Configs.IConfig config = outOfProcess
    ? BenchmarkDotNet.Configs.DefaultConfig.Instance
    : BenchmarkDotNet.Configs.DefaultConfig.Instance.AddJob(BenchmarkDotNet.Jobs.Job.Default
        .WithToolchain(new BenchmarkDotNet.Toolchains.InProcess.Emit.InProcessEmitToolchain(TimeSpan.FromHours(2), logOutput: true)).AsDefault());
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(arguments, config);
