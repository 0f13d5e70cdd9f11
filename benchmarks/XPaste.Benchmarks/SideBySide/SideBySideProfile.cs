using System.Diagnostics;
using System.Globalization;
using XPaste.Extraction;
using XPaste.Weights;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace XPaste.Benchmarks.SideBySide;

/// <summary>
/// Where a side-by-side stage spends its time in XPaste: CPU time per layer, and per operation inside one layer
/// (the operations of the layer's forward run one by one, same shapes). <c>--profile-sam DIR THREADS</c>.
/// </summary>
internal static class SideBySideProfile
{
    public static void Sam(string dir, int threads)
    {
        XPaste.Runtime.TorchSharpRuntime.EnsureLoaded();
        set_num_threads(threads);
        string folder = Path.Combine(dir, "sam-vit-b");
        using var sam = new SamModel(SamConfig.Load(Path.Combine(folder, "config.json")));
        StateDictLoader.Load(sam.vision_encoder, Path.Combine(folder, "model.safetensors"));
        Dictionary<string, Tensor> io = StateDictFile.Load(Path.Combine(folder, "io.safetensors"));
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        SamVisionEncoder enc = sam.vision_encoder;
        enc.call(io["input"]).Dispose();
        Tensor x = Cpu("patch embedding + positions", () => enc.patch_embed.call(io["input"]) + enc.pos_embed!);
        for (int i = 0; i < enc.layers.Count; i++)
        {
            Tensor prev = x;
            x = Cpu($"layer {i}", () => enc.layers[i].call(prev));
        }

        Cpu("neck", () => enc.neck.call(x));
        GlobalLayerOps(enc.layers[2], x);
    }

    /// <summary>The global layer's attention and MLP, operation by operation, as SamVisionAttention runs them.</summary>
    private static void GlobalLayerOps(SamVisionLayer layer, Tensor hidden)
    {
        SamVisionAttention attn = layer.attn;
        long b = hidden.shape[0], h = hidden.shape[1], w = hidden.shape[2], c = hidden.shape[3], heads = 12, hd = c / heads;
        Tensor n = Cpu("  layer_norm1", () => layer.layer_norm1.call(hidden));
        Tensor qkv = Cpu("  qkv linear", () => attn.qkv.call(n));
        Tensor[] parts = Cpu("  qkv reshape/permute (copy)", () => qkv.reshape(b, h * w, 3, heads, hd).permute(2, 0, 3, 1, 4).reshape(3, b * heads, h * w, hd)).unbind(0);
        Tensor scores = Cpu("  scores (q*scale) @ k^T", () => (parts[0] * Math.Pow(hd, -0.5)).matmul(parts[1].transpose(-2, -1)));
        Tensor coords = arange(h).unsqueeze(1) - arange(h).unsqueeze(0) + (h - 1);
        Tensor rh = attn.rel_pos_h!.index_select(0, coords.flatten()).reshape(h, h, -1);
        Tensor rw = attn.rel_pos_w!.index_select(0, coords.flatten()).reshape(w, w, -1);
        Tensor q = parts[0].reshape(b * heads, h, w, hd);
        Tensor relH = Cpu("  einsum rel_h", () => einsum("bhwc,hkc->bhwk", q, rh));
        Tensor relW = Cpu("  einsum rel_w", () => einsum("bhwc,wkc->bhwk", q, rw));
        Tensor s = Cpu("  scores + rel_h + rel_w (two broadcast adds)", () => (scores.reshape(b * heads, h, w, h, w) + relH.unsqueeze(-1) + relW.unsqueeze(-2)).reshape(b * heads, h * w, h * w));
        Tensor p = Cpu("  softmax", () => s.softmax(-1));
        Tensor o = Cpu("  probs @ v + permute", () => p.matmul(parts[2]).reshape(b, heads, h, w, hd).permute(0, 2, 3, 1, 4).reshape(b, h, w, c));
        Tensor a = Cpu("  out proj", () => attn.proj.call(o));

        // Alternatives for the same attention output o.
        Tensor inPlace = Cpu("  alt: scores, rel added in place, softmax, @ v", () =>
        {
            Tensor sc = (parts[0] * Math.Pow(hd, -0.5)).matmul(parts[1].transpose(-2, -1));
            Tensor v5 = sc.view(b * heads, h, w, h, w);
            v5.add_(relH.unsqueeze(-1)).add_(relW.unsqueeze(-2));
            return sc.softmax(-1).matmul(parts[2]).reshape(b, heads, h, w, hd).permute(0, 2, 3, 1, 4).reshape(b, h, w, c);
        });
        Diff("in place vs plain", inPlace, o);
        foreach (long rowsPerChunk in new long[] { 2, 8 })
        {
            Tensor chunked = Cpu($"  alt: in place, {rowsPerChunk} grid rows of queries at a time", () =>
            {
                Tensor qs = parts[0] * Math.Pow(hd, -0.5), kt = parts[1].transpose(-2, -1);
                var outs = new List<Tensor>();
                for (long r = 0; r < h; r += rowsPerChunk)
                {
                    using var inner = NewDisposeScope();
                    long n = Math.Min(rowsPerChunk, h - r);
                    Tensor sc = qs.narrow(1, r * w, n * w).matmul(kt);
                    sc.view(b * heads, n, w, h, w).add_(relH.narrow(1, r, n).unsqueeze(-1)).add_(relW.narrow(1, r, n).unsqueeze(-2));
                    outs.Add(sc.softmax(-1).matmul(parts[2]).MoveToOuterDisposeScope());
                }

                return cat(outs, 1).reshape(b, heads, h, w, hd).permute(0, 2, 3, 1, 4).reshape(b, h, w, c);
            });
            Diff("chunked vs plain", chunked, o);
        }
        Tensor fused = Cpu("  alt: SDPA on q' = [q*scale, rel_h, rel_w], k' = [k, onehot(row), onehot(col)]", () =>
        {
            long e = hd + h + w;
            Tensor qa = cat([parts[0] * Math.Pow(hd, -0.5), relH.reshape(b * heads, h * w, h), relW.reshape(b * heads, h * w, w)], -1) * Math.Sqrt(e);
            Tensor rows = arange(h * w).div(w, RoundingMode.floor), cols = arange(h * w).remainder(w);
            Tensor oneHot = cat([nn.functional.one_hot(rows, h), nn.functional.one_hot(cols, w)], -1).to(ScalarType.Float32);
            Tensor ka = cat([parts[1], oneHot.unsqueeze(0).expand(b * heads, -1, -1)], -1);
            return nn.functional.scaled_dot_product_attention(qa, ka, parts[2]).reshape(b, heads, h, w, hd).permute(0, 2, 3, 1, 4).reshape(b, h, w, c);
        });
        Diff("SDPA augmented vs plain", fused, o);
        Tensor r = hidden + a;
        Tensor m = Cpu("  layer_norm2 + mlp", () => layer.mlp.call(layer.layer_norm2.call(r)));
        Cpu("  whole layer", () => layer.call(hidden));
    }

    private static void Diff(string name, Tensor a, Tensor b)
    {
        using Tensor d = (a - b).abs().max();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"max |{name}| {d.item<float>():E1}"));
    }

    private static Tensor Cpu(string name, Func<Tensor> op)
    {
        using var process = Process.GetCurrentProcess();
        TimeSpan cpu0 = process.TotalProcessorTime;
        long t0 = Stopwatch.GetTimestamp();
        Tensor result = op();
        double wall = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        process.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {(process.TotalProcessorTime - cpu0).TotalSeconds:F3} s | {wall:F3} s |"));
        return result;
    }
}
