using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using XPaste.Extraction;
using XPaste.Weights;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace XPaste.Benchmarks.SideBySide;

/// <summary>
/// Where a side-by-side stage's time goes in XPaste and in ONNX Runtime, side by side: <c>--profile-stage DIR STAGE
/// THREADS</c> for any stage (Linear and Conv2d time) and <c>--profile-u2net DIR STAGE THREADS</c> for U^2-Net
/// (REBNCONV blocks and their ReLU); ORT's side is its own profiler's kernel time per operator type. Meant for
/// 1 thread on a quiet machine, where wall time is CPU time.
/// </summary>
internal static class StageProfile
{
    /// <summary>
    /// U^2-Net (STAGE u2net or u2netp): wall time inside every REBNCONV (convolution with folded batch norm, then an
    /// in-place ReLU; forward hooks), a separate ReLU pass over tensors of the same shapes and layout (what the
    /// in-place ReLU costs), and the rest (pooling, upsampling, concatenation, residual adds, side outputs).
    /// </summary>
    public static void U2NetBlocks(string dir, string stage, int threads, int rounds = 3)
    {
        XPaste.Runtime.TorchSharpRuntime.EnsureLoaded();
        set_num_threads(threads);
        string folder = Path.Combine(dir, stage);
        using U2Net model = U2Net.FromPretrained(Path.Combine(folder, "model.safetensors"));
        Dictionary<string, Tensor> io = StateDictFile.Load(Path.Combine(folder, "io.safetensors"));
        Tensor input = io["input"];

        var shapes = new List<long[]>();
        var timer = new ModuleTimer(model, m => m is RebnConv ? "REBNCONV" : null, y => shapes.Add(y.shape));
        var (best, times) = timer.Fastest(rounds, () =>
        {
            shapes.Clear();
            using var mode = inference_mode();
            foreach (Tensor t in model.call(input))
            {
                t.Dispose();
            }
        });

        double inside = times["REBNCONV"], relu = ReluPass(shapes);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"XPaste {stage}, {threads} threads, fastest of {rounds}: {best:F3} s; inside REBNCONV {inside:F3} s (of which a ReLU pass over the same tensors takes {relu:F3} s); rest {best - inside:F3} s; load {MachineLoad.OneMinute():F1}"));
        OrtByOperator(Path.Combine(folder, "onnx", "model.onnx"), ["input"], [input], threads, rounds);
    }

    /// <summary>
    /// Any side-by-side stage (<c>--profile-stage DIR STAGE THREADS</c>; <c>--profile-unet DIR THREADS</c> is
    /// <c>sd-unet</c> with one round and no ORT): XPaste's wall time inside every Linear and every Conv2d leaf module
    /// (forward hooks), the rest being attention, norms and element-wise work; then ORT's kernel time per operator type.
    /// </summary>
    public static void Stage(string dir, string stage, int threads, int rounds = 3, bool withOrt = true)
    {
        XPaste.Runtime.TorchSharpRuntime.EnsureLoaded();
        set_num_threads(threads);
        string folder = Path.Combine(dir, stage);
        Dictionary<string, Tensor> io = StateDictFile.Load(Path.Combine(folder, "io.safetensors"));
        string[] names = [.. io.Keys.Where(k => k.StartsWith("input", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        Tensor[] inputs = [.. names.Select(n => io[n])];
        using XPasteStage xpaste = XPasteStage.Create(stage, folder, "default");
        var timer = new ModuleTimer((nn.Module)xpaste.Model,
            m => m is TorchSharp.Modules.Linear ? "Linear" : m is TorchSharp.Modules.Conv2d ? "Conv2d" : null);
        var (best, times) = timer.Fastest(rounds, () =>
        {
            foreach (Tensor t in xpaste.Run(inputs))
            {
                t.Dispose();
            }
        });

        double linear = times.GetValueOrDefault("Linear"), conv = times.GetValueOrDefault("Conv2d");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"XPaste {stage}, {threads} threads, fastest of {rounds}: {best:F3} s; Linear {linear:F3} s, Conv2d {conv:F3} s, rest {best - linear - conv:F3} s; load {MachineLoad.OneMinute():F1}"));
        if (withOrt)
        {
            OrtByOperator(Path.Combine(folder, "onnx", "model.onnx"), names, inputs, threads, rounds);
        }
    }

    /// <summary>Wall time inside the modules a classifier names (forward hooks), summed per name over one call.</summary>
    private sealed class ModuleTimer
    {
        private readonly Dictionary<string, double> _totals = [];

        public ModuleTimer(nn.Module root, Func<nn.Module, string?> kindOf, Action<Tensor>? onOutput = null)
        {
            long start = 0;
            foreach (nn.Module m in root.modules())
            {
                if (kindOf(m) is string kind && m is nn.Module<Tensor, Tensor> leaf)
                {
                    _totals[kind] = 0;
                    leaf.register_forward_pre_hook((_, x) => { start = Stopwatch.GetTimestamp(); return x; });
                    leaf.register_forward_hook((_, _, y) =>
                    {
                        _totals[kind] += Stopwatch.GetElapsedTime(start).TotalSeconds;
                        onOutput?.Invoke(y);
                        return y;
                    });
                }
            }
        }

        /// <summary>One untimed call, then <paramref name="rounds"/> calls: the fastest call's wall time and its per-name totals.</summary>
        public (double Best, Dictionary<string, double> Times) Fastest(int rounds, Action call)
        {
            double best = double.MaxValue;
            Dictionary<string, double> times = [];
            for (int r = 0; r < rounds + 1; r++)
            {
                foreach (string kind in _totals.Keys.ToList())
                {
                    _totals[kind] = 0;
                }

                long t0 = Stopwatch.GetTimestamp();
                call();
                double all = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                if (r > 0 && all < best)
                {
                    (best, times) = (all, new Dictionary<string, double>(_totals));
                }
            }

            return (best, times);
        }
    }

    /// <summary>An in-place ReLU over fresh channels-last tensors of the recorded shapes, timed alone.</summary>
    private static double ReluPass(List<long[]> shapes)
    {
        using var scope = NewDisposeScope();
        Tensor[] tensors = [.. shapes.Select(s => randn(s[0], s[2], s[3], s[1]).permute(0, 3, 1, 2))];
        double best = double.MaxValue;
        for (int r = 0; r < 4; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            foreach (Tensor t in tensors)
            {
                t.relu_();
            }

            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }

        return best;
    }

    private static void OrtByOperator(string path, string[] names, Tensor[] inputs, int threads, int rounds)
    {
        using SessionOptions options = OrtStage.Options(threads);
        options.EnableProfiling = true;
        options.ProfileOutputPathPrefix = Path.Combine(Path.GetTempPath(), "xpaste-ort-profile");
        using var session = new InferenceSession(path, options);
        NamedOnnxValue[] feed = [.. names.Zip(inputs, (n, t) => NamedOnnxValue.CreateFromTensor(n, new DenseTensor<float>(t.data<float>().ToArray(), [.. t.shape.Select(d => (int)d)])))];
        long t0 = Stopwatch.GetTimestamp();
        for (int r = 0; r < rounds + 1; r++)
        {
            if (r == 1)
            {
                t0 = Stopwatch.GetTimestamp();
            }

            using var outputs = session.Run(feed);
        }

        double perCall = Stopwatch.GetElapsedTime(t0).TotalSeconds / rounds;
        string file = session.EndProfiling();
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(file));
        var byOp = new Dictionary<string, double>();
        foreach (JsonElement e in doc.RootElement.EnumerateArray())
        {
            if (e.GetProperty("cat").GetString() == "Node" && e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal)
                && e.TryGetProperty("args", out JsonElement args) && args.TryGetProperty("op_name", out JsonElement op))
            {
                string name = op.GetString()!;
                byOp[name] = (byOp.TryGetValue(name, out double sum) ? sum : 0) + e.GetProperty("dur").GetDouble() / 1e6 / (rounds + 1);
            }
        }

        File.Delete(file);
        string ops = string.Join(", ", byOp.OrderByDescending(kv => kv.Value).Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:F3} s")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ORT, {threads} threads, mean of {rounds} profiled calls: {perCall:F3} s; kernel time by operator (mean over all {rounds + 1} calls): {ops}"));
    }
}
