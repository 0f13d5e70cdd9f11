using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using XPaste.Benchmarks.Generation;
using XPaste.Weights;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace XPaste.Benchmarks.SideBySide;

/// <summary>
/// XPaste, ONNX Runtime and PyTorch on the same exported weights and inputs (<c>benchmarks/python/side_by_side.py
/// export</c>), in one run: per stage and thread count, each engine's outputs are first checked against PyTorch's stored
/// ones, then the engines are timed in turns (XPaste, ORT, PyTorch, XPaste, ...), so that load on the shared machine
/// falls on all of them alike. XPaste and ORT run in this process; PyTorch in a child process started for its turn
/// (it times one call after an untimed check call). Per call: wall time, process CPU time, peak resident memory above
/// the level before the call, the 1-minute load average.
/// </summary>
internal static class SideBySideRunner
{
    /// <summary>XPaste's settings under test (<c>--variant a,b</c>, each its own engine, interleaved): <c>default</c>, or containing <c>unfused</c> (batch norm not folded) and/or <c>nchw</c> (not channels-last).</summary>
    private static string Variant { get; set; } = "default";

    private static readonly JsonSerializerOptions JsonOptions = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static void Run(string[] args)
    {
        Variant = Option(args, "--variant", "default");
        XPaste.Runtime.TorchSharpRuntime.EnsureLoaded();
        string dir = args[0];
        string[] stages = Option(args, "--stages", "u2netp,u2net,clip-b32").Split(',');
        int[] threads = [.. Option(args, "--thread-counts", "1,2").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        int rounds = int.Parse(Option(args, "--rounds", "3"), CultureInfo.InvariantCulture);
        string? python = args.Contains("--no-python") ? null : Option(args, "--python", "/usr/bin/python3");
        string results = Path.Combine(dir, "results.jsonl");
        Console.WriteLine("| stage | threads | engine | wall (median) | wall / ORT | CPU (median) | CPU / ORT | peak above start | max abs diff vs PyTorch | load average per call |");
        Console.WriteLine("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        Console.WriteLine($"side by side: {string.Join(",", stages)}; threads {string.Join(",", threads)}; {rounds} rounds; "
            + $"libtorch {__version__}; ORT {OrtEnv.Instance().GetVersionString()}; {XPaste.Runtime.TorchSharpRuntime.DescribeSettings()}; XPaste variant {Variant}");
        foreach (string stage in stages)
        {
            foreach (int t in threads)
            {
                RunStage(dir, stage, t, rounds, python, results);
            }
        }


    }

    /// <summary>Single-thread fp32 GEMM and 3x3 convolution rates (GFLOP per CPU-second): which kernels libtorch picks here.</summary>
    public static void KernelRates()
    {
        set_num_threads(1);
        using var scope = NewDisposeScope();
        Tensor a = randn(2048, 2048), b = randn(2048, 2048);
        Tensor x = randn(1, 256, 64, 64), w = randn(256, 256, 3, 3);
        double gemm = double.MaxValue, conv = double.MaxValue;
        for (int i = 0; i < 4; i++)
        {
            gemm = Math.Min(gemm, Measure(() => matmul(a, b).Dispose()).Cpu);
            conv = Math.Min(conv, Measure(() => nn.functional.conv2d(x, w, padding: [1, 1]).Dispose()).Cpu);
        }

        Tensor h = randn(400, 768), fw = randn(3072, 768), fb = randn(3072);
        double linear = double.MaxValue, asConv = double.MaxValue;
        for (int i = 0; i < 4; i++)
        {
            linear = Math.Min(linear, Measure(() => nn.functional.linear(h, fw, fb).Dispose()).Cpu);
            asConv = Math.Min(asConv, Measure(() => nn.functional.conv2d(h.view(400, 768, 1, 1), fw.view(3072, 768, 1, 1), fb).view(400, 3072).Dispose()).Cpu);
        }

        // The same product with the weight stored transposed ([in, out], as ORT's Gemm may keep it): does MKL's sgemm
        // care which operand it transposes?
        Tensor fwT = fw.t().contiguous();
        double pretransposed = double.MaxValue;
        for (int i = 0; i < 4; i++)
        {
            pretransposed = Math.Min(pretransposed, Measure(() => addmm(fb, h, fwT, 1, 1).Dispose()).Cpu);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"linear 400x768 -> 3072 with the weight stored [in, out]: {2.0 * 400 * 768 * 3072 / pretransposed / 1e9:F0} GFLOP/CPU-s"));

        // The rows as one channels-last image (N=1, H=400, W=1, C=768): the matrix itself, no copy.
        Tensor AsImageConv() => nn.functional.conv2d(h.view(1, 400, 1, 768).permute(0, 3, 1, 2), fw.view(3072, 768, 1, 1), fb).permute(0, 2, 3, 1).reshape(400, 3072);
        double asImage = double.MaxValue;
        for (int i = 0; i < 4; i++)
        {
            asImage = Math.Min(asImage, Measure(() => AsImageConv().Dispose()).Cpu);
        }

        using (Tensor d = (nn.functional.linear(h, fw, fb) - AsImageConv()).abs().max())
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"linear 400x768 -> 3072 as a channels-last 1x1 convolution over one 400x1 image: {2.0 * 400 * 768 * 3072 / asImage / 1e9:F0} GFLOP/CPU-s (max diff {d.item<float>():E1})"));
        }

        using (Tensor d = (nn.functional.linear(h, fw, fb) - nn.functional.conv2d(h.view(400, 768, 1, 1), fw.view(3072, 768, 1, 1), fb).view(400, 3072)).abs().max())
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"linear 400x768 -> 3072: {2.0 * 400 * 768 * 3072 / linear / 1e9:F0} GFLOP/CPU-s as linear, {2.0 * 400 * 768 * 3072 / asConv / 1e9:F0} as a 1x1 convolution (max diff {d.item<float>():E1})"));
        }

        // bf16 matrix products (oneDNN on CPUs with avx512_bf16): the rate an opt-in bf16 CLIP tower could reach.
        Tensor ab = a.to(ScalarType.BFloat16), bb = b.to(ScalarType.BFloat16);
        Tensor hb = h.to(ScalarType.BFloat16), fwb = fw.to(ScalarType.BFloat16), fbb = fb.to(ScalarType.BFloat16);
        double gemmBf16 = double.MaxValue, linearBf16 = double.MaxValue;
        for (int i = 0; i < 4; i++)
        {
            gemmBf16 = Math.Min(gemmBf16, Measure(() => matmul(ab, bb).Dispose()).Cpu);
            linearBf16 = Math.Min(linearBf16, Measure(() => nn.functional.linear(hb, fwb, fbb).Dispose()).Cpu);
        }

        using (Tensor rel = (matmul(ab, bb).to(ScalarType.Float32) - matmul(a, b)).abs().max() / matmul(a, b).abs().max())
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bf16, 1 thread: gemm 2048^3 {2.0 * 2048 * 2048 * 2048 / gemmBf16 / 1e9:F0} GFLOP/CPU-s, linear 400x768 -> 3072 {2.0 * 400 * 768 * 3072 / linearBf16 / 1e9:F0} (max error relative to the fp32 product's largest value {rel.item<float>():E1})"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"libtorch {__version__}, 1 thread: sgemm 2048^3 {2.0 * 2048 * 2048 * 2048 / gemm / 1e9:F0} GFLOP/CPU-s; conv 3x3 256->256 at 64x64 {2.0 * 64 * 64 * 256 * 256 * 9 / conv / 1e9:F0} GFLOP/CPU-s"));
    }

    /// <summary>SD 1.5's VAE decoder (random weights), NCHW against channels-last, interleaved in one process.</summary>
    public static void VaeLayouts(int latentSize, int rounds)
    {
        manual_seed(0);
        using var vae = new global::XPaste.Generation.AutoencoderKL(global::XPaste.Generation.AutoencoderKLConfig.Parse(global::XPaste.Generation.Sd15Configs.Vae));
        vae.eval();
        using Tensor z = randn(1, 4, latentSize, latentSize);
        using var mode = inference_mode();
        using (Tensor a = vae.Decode(z))
        {
            vae.DecodeChannelsLast = true;
            using Tensor b = vae.Decode(z);
            using Tensor d = (a - b).abs().max();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"VAE decode {latentSize * 8}x{latentSize * 8}, {get_num_threads()} threads: max |NCHW - channels-last| {d.item<float>():E1}"));
        }

        for (int r = 0; r < rounds; r++)
        {
            foreach (bool channelsLast in new[] { false, true })
            {
                vae.DecodeChannelsLast = channelsLast;
                Sample s = Measure(() => vae.Decode(z).Dispose());
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {(channelsLast ? "channels-last" : "NCHW")} | {s.Wall:F2} s | {s.Cpu:F2} s | load {s.Load:F1} |"));
            }
        }
    }

    private static void RunStage(string dir, string stage, int threads, int rounds, string? python, string results)
    {
        string folder = Path.Combine(dir, stage);
        set_num_threads(threads);
        Dictionary<string, Tensor> io = StateDictFile.Load(Path.Combine(folder, "io.safetensors"));
        Tensor[] inputs = [.. io.Keys.Where(k => k.StartsWith("input", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(k => io[k])];
        string[] inputNames = [.. io.Keys.Where(k => k.StartsWith("input", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        Tensor[] expected = [.. io.Keys.Where(k => k.StartsWith("output", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(k => io[k])];
        var engines = new List<(string Name, IStage Engine)>();
        foreach (string variant in Variant.Split(','))
        {
            engines.Add(($"xpaste:{variant}", XPasteStage.Create(stage, folder, variant)));
        }

        string onnx = File.Exists(Path.Combine(folder, "onnx", "model.onnx")) ? Path.Combine(folder, "onnx", "model.onnx") : Path.Combine(folder, "model.onnx");
        using var ort = new OrtStage(onnx, threads, inputNames, inputs);
        engines.Add(("ort", ort));
        var diffs = engines.ToDictionary(e => e.Name, e => MaxDiff(e.Engine.Run(inputs), expected));
        double scale = expected.Max(t => { using Tensor m = t.abs().max(); return (double)m.item<float>(); });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{stage}, {threads} threads: max |PyTorch output| {scale:E2}; max abs diffs {string.Join(", ", diffs.Select(d => $"{d.Key} {d.Value:E1}"))}"));
        var samples = engines.ToDictionary(e => e.Name, _ => new List<Sample>());
        if (python is not null)
        {
            samples["pytorch"] = [];
        }

        for (int r = 0; r < rounds; r++)
        {
            foreach ((string name, IStage engine) in engines)
            {
                samples[name].Add(Measure(() =>
                {
                    if (engine is OrtStage o)
                    {
                        o.RunOnly();
                    }
                    else
                    {
                        engine.Run(inputs).ToList().ForEach(t => t.Dispose());
                    }
                }));
            }

            if (python is not null)
            {
                (Sample s, double d) = RunPython(python, dir, stage, threads);
                samples["pytorch"].Add(s);
                diffs["pytorch"] = d;
            }
        }

        Report(stage, threads, samples, diffs, results);
        foreach ((string name, IStage engine) in engines.Where(e => e.Name != "ort"))
        {
            engine.Dispose();
        }

        foreach (Tensor t in io.Values)
        {
            t.Dispose();
        }
    }

    private static double MaxDiff(Tensor[] actual, Tensor[] expected)
    {
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            using Tensor d = (actual[i] - expected[i]).abs().max();
            max = Math.Max(max, d.item<float>());
        }

        foreach (Tensor t in actual)
        {
            t.Dispose();
        }

        return max;
    }

    private static Sample Measure(Action call)
    {
        GC.Collect();
        long before = PeakMemory.Reset();
        using var process = Process.GetCurrentProcess();
        TimeSpan cpu0 = process.TotalProcessorTime;
        long t0 = Stopwatch.GetTimestamp();
        call();
        double wall = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        return new Sample(wall, cpu, (PeakMemory.Peak() - before) / 1048576.0, MachineLoad.OneMinute());
    }

    private static (Sample Sample, double Diff) RunPython(string python, string dir, string stage, int threads)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "side_by_side.py");
        var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, UseShellExecute = false };
        info.Environment["PYTHONWARNINGS"] = "ignore";
        // PyTorch's libgomp gets the same wait policy as XPaste's (inherited when the user set one).
        if (!info.Environment.ContainsKey("OMP_WAIT_POLICY"))
        {
            info.Environment.TryAdd("GOMP_SPINCOUNT", XPaste.Runtime.OpenMpWaitPolicy.SpinCount);
        }
        foreach (string a in new[] { File.Exists(script) ? script : "benchmarks/python/side_by_side.py", "time", "--dir", dir, "--stage", stage, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--iterations", "1" })
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info)!;
        string line = p.StandardOutput.ReadToEnd().Trim().Split('\n')[^1];
        p.WaitForExit();
        using JsonDocument doc = JsonDocument.Parse(line);
        JsonElement run = doc.RootElement.GetProperty("runs")[0];
        return (new Sample(run.GetProperty("wall").GetDouble(), run.GetProperty("cpu").GetDouble(), run.GetProperty("peak_mib").GetDouble(), run.GetProperty("load").GetDouble()),
            doc.RootElement.GetProperty("max_abs_diff").GetDouble());
    }

    private static void Report(string stage, int threads, Dictionary<string, List<Sample>> samples, Dictionary<string, double> diffs, string results)
    {
        static double Median(IEnumerable<double> v)
        {
            double[] s = [.. v.Order()];
            return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
        }

        var inv = CultureInfo.InvariantCulture;
        double ortWall = Median(samples["ort"].Select(s => s.Wall)), ortCpu = Median(samples["ort"].Select(s => s.Cpu));
        foreach ((string engine, List<Sample> list) in samples)
        {
            double wall = Median(list.Select(s => s.Wall)), cpu = Median(list.Select(s => s.Cpu));
            Console.WriteLine(string.Create(inv, $"| {stage} | {threads} | {engine} | {wall:F3} s | {wall / ortWall:F2} | {cpu:F3} s | {cpu / ortCpu:F2} | "
                + $"{Median(list.Select(s => s.PeakMiB)):F0} MiB | {diffs.GetValueOrDefault(engine, double.NaN):E1} | {string.Join(" ", list.Select(s => s.Load.ToString("F1", inv)))} |"));
        }

        File.AppendAllText(results, JsonSerializer.Serialize(new { stage, threads, when = DateTime.UtcNow, diffs, samples }, JsonOptions) + "\n");
    }

    private static string Option(string[] args, string name, string fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }

    /// <summary>One timed call.</summary>
    internal sealed record Sample(double Wall, double Cpu, double PeakMiB, double Load);
}
