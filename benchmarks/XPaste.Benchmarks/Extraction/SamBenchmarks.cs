using BenchmarkDotNet.Attributes;
using XPaste.Extraction;
using static TorchSharp.torch;

namespace XPaste.Benchmarks.Extraction;

/// <summary>
/// Segment Anything at the facebook/sam-vit-base size (ViT-B image encoder at 1024x1024, windowed attention with 4
/// global layers, the 256-wide prompt encoder and mask decoder; random weights, fp32, CPU): the image encoder on one
/// image, and the prompt encoder plus mask decoder for one box on precomputed embeddings (what
/// <see cref="SamExtractor"/> pays per image and per prompt). Baseline in the same sitting:
/// <c>benchmarks/python/sam_vit_base.py</c>. The encoder is about a teraflop per image, so run a short monitoring
/// job: <c>-- --filter '*Sam*' --strategy Monitoring --warmupCount 1 --iterationCount 3</c>, with
/// <c>XPASTE_TORCH_THREADS</c> set on a shared machine.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet frees the model in GlobalCleanup.")]
public class SamBenchmarks
{
    // facebook/sam-vit-base's published values (convert_sam_to_hf.py's); the sub-models' other keys take their defaults.
    private const string VitBaseConfig = """
        {
          "model_type": "sam",
          "vision_config": { "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "global_attn_indexes": [2, 5, 8, 11] },
          "prompt_encoder_config": {},
          "mask_decoder_config": {}
        }
        """;

    private SamModel _model = null!;
    private Tensor _pixels = null!;
    private Tensor _embeddings = null!;
    private Tensor _box = null!;
    private TimeSpan _cpuBefore;

    [GlobalSetup]
    public void Setup()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("XPASTE_TORCH_THREADS"), out int threads) && threads > 0)
        {
            set_num_threads(threads);
        }

        manual_seed(0);
        _model = new SamModel(SamConfig.Parse(VitBaseConfig));
        _pixels = randn(1, 3, 1024, 1024);
        // The decoder's cost does not depend on the embeddings' values: random ones spare an encoder call.
        _embeddings = randn(1, 256, 64, 64);
        _box = tensor(new float[] { 180, 240, 700, 810 }).view(1, 1, 4);
    }

    // CPU time as well as wall time: on a shared machine the wall time mostly measures the other tenants.
    [IterationSetup]
    public void StartCpuClock() => _cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;

    [IterationCleanup]
    public void ReportCpu()
    {
        TimeSpan cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - _cpuBefore;
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"CPU {cpu.TotalSeconds:F2} s"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pixels.Dispose();
        _embeddings.Dispose();
        _box.Dispose();
        _model.Dispose();
    }

    /// <summary>The image encoder (ViT-B and neck) on one 1024x1024 image.</summary>
    [Benchmark]
    public float ImageEncoder()
    {
        using var scope = NewDisposeScope();
        return _model.GetImageEmbeddings(_pixels)[0, 0, 0, 0].item<float>();
    }

    /// <summary>Prompt encoder and mask decoder for one box with multimask output, from precomputed embeddings.</summary>
    [Benchmark]
    public float MaskDecoder()
    {
        using SamOutput output = _model.ForwardWithEmbeddings(_embeddings, inputBoxes: _box);
        return output.IouScores[0, 0, 0].item<float>();
    }
}
