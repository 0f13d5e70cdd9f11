using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using XPaste.GpuCheck;
using static TorchSharp.torch;

// xpaste-gpucheck [--device cuda|cpu] [--torch-lib DIR] [--repo DIR] [--budget-seconds N] [--quick] [--only NAME]
// Prints one Markdown table; exit code 0 when no row failed, 1 otherwise, 2 when TorchSharp cannot start.
string deviceName = Option("--device") ?? "cuda";
string? torchLib = Option("--torch-lib");
string repo = Option("--repo") ?? FindRepositoryRoot(Directory.GetCurrentDirectory());
double budgetSeconds = double.Parse(Option("--budget-seconds") ?? "420", CultureInfo.InvariantCulture);
string? only = Option("--only");
bool quick = args.Contains("--quick");

var rows = new List<CheckRow>();
var total = Stopwatch.StartNew();
Device device;
try
{
    if (torchLib is not null)
    {
        PreloadLibtorch(torchLib, deviceName.StartsWith("cuda", StringComparison.Ordinal));
    }

    if (deviceName.StartsWith("cuda", StringComparison.Ordinal))
    {
        InitializeDeviceType(TorchSharp.DeviceType.CUDA);
        if (!cuda.is_available())
        {
            throw new InvalidOperationException("TorchSharp loaded, but cuda.is_available() is false");
        }

        // fp32 means fp32: references are compared without TF32 (PyTorch's own default for matmul since 1.12).
        backends.cuda.matmul.allow_tf32 = false;
        backends.cudnn.allow_tf32 = false;
    }

    device = new Device(deviceName);
    using Tensor probe = ones(2, device: device).add(1);
    rows.Add(new CheckRow("TorchSharp loads", deviceName, Verdict.Pass, $"{probe.sum().item<float>():F0} == 4",
        Note: $"TorchSharp {typeof(Tensor).Assembly.GetName().Version}, libtorch from {torchLib ?? "the TorchSharp-cpu package"}, {cuda.device_count()} CUDA device(s)"));
}
catch (Exception e)
{
    rows.Add(new CheckRow("TorchSharp loads", deviceName, Verdict.Fail, e.GetType().Name, Note: OneLine(e.Message)));
    Print(rows, total.Elapsed);
    return 2;
}

var context = new CheckContext(device, repo, TimeSpan.FromSeconds(budgetSeconds), quick);
IGpuCheck[] checks = [.. Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IGpuCheck).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IGpuCheck)Activator.CreateInstance(t)!)
    .Where(c => only is null || c.Name.Contains(only, StringComparison.OrdinalIgnoreCase))
    .OrderBy(c => c.Order)];
foreach (IGpuCheck check in checks)
{
    if (context.Left <= TimeSpan.Zero)
    {
        rows.Add(new CheckRow(check.Name, "-", Verdict.Skip, "out of time", $"{budgetSeconds:F0} s"));
        continue;
    }

    Console.Error.WriteLine($"[{context.Elapsed.TotalSeconds,6:F1} s] {check.Name}...");
    try
    {
        using var scope = NewDisposeScope();
        rows.AddRange(check.Run(context));
    }
    catch (Exception e)
    {
        rows.Add(new CheckRow(check.Name, "-", Verdict.Fail, e.GetType().Name, Note: OneLine(e.Message)));
    }
}

Print(rows, total.Elapsed);
return rows.Any(r => r.Verdict == Verdict.Fail) ? 1 : 0;

string? Option(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string OneLine(string s) => s.ReplaceLineEndings(" ").Replace("|", "/", StringComparison.Ordinal);

static string FindRepositoryRoot(string start)
{
    for (string? d = start; d is not null; d = Path.GetDirectoryName(d))
    {
        if (Directory.Exists(Path.Combine(d, "tests", "XPaste.Core.Tests", "TestData")))
        {
            return d;
        }
    }

    return start;
}

// Loads PyTorch's libtorch (and its CUDA parts) by full path, then TorchSharp's native shim next to this program, so
// TorchSharp's own loader finds them already in the process.
static void PreloadLibtorch(string folder, bool withCuda)
{
    string[] names = withCuda
        ? ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"]
        : ["libc10.so", "libtorch_cpu.so", "libtorch.so"];
    foreach (string name in names)
    {
        string path = Path.Combine(folder, name);
        if (File.Exists(path))
        {
            NativeLibrary.Load(path);
        }
    }

    NativeLibrary.Load(Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so"));
}

static void Print(List<CheckRow> rows, TimeSpan elapsed)
{
    Console.WriteLine("| check | case | result | value | limit | note |");
    Console.WriteLine("| --- | --- | --- | ---: | --- | --- |");
    foreach (CheckRow r in rows)
    {
        Console.WriteLine($"| {r.Check} | {r.Case} | {r.Verdict.ToString().ToUpperInvariant()} | {r.Value} | {r.Limit} | {r.Note} |");
    }

    int failed = rows.Count(r => r.Verdict == Verdict.Fail);
    Console.WriteLine();
    Console.WriteLine($"{rows.Count} rows, {failed} failed, {elapsed.TotalSeconds:F0} s in all.");
}
