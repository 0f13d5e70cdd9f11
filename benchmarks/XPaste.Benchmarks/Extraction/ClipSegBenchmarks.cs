using BenchmarkDotNet.Attributes;
using XPaste.Extraction;
using static TorchSharp.torch;

namespace XPaste.Benchmarks.Extraction;

/// <summary>
/// CLIPSeg at the published size (CIDAS/clipseg-rd64: CLIP ViT-B/16 plus the rd64 decoder, random weights, fp32, CPU)
/// segmenting 8 normalised 352x352 images, each with its own 77-token prompt. Baseline: one image per call, the way
/// a per-image port of a segmenter loop calls the model; against one call with the batch of 8 (what
/// <see cref="ClipSegExtractorOptions.BatchSize"/> buys). One forward of 8 images is tens of seconds on two shared
/// cores, so run it as a short monitoring job (no pilot, 1 warm-up, 3 measured calls):
/// <c>-- --filter '*ClipSeg*' --strategy Monitoring --warmupCount 1 --iterationCount 3</c> (a job attribute here
/// would make BenchmarkDotNet build an out-of-process job, which cannot load libtorch; see Program.cs). Set
/// <c>XPASTE_TORCH_THREADS</c> on a shared machine (see <c>ClipImageTowerBenchmarks</c>).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet frees the model in GlobalCleanup.")]
public class ClipSegBenchmarks
{
    private const int Images = 8;

    // CIDAS/clipseg-rd64's published values (the weights X-Paste uses).
    private const string Rd64Config = """
        {
          "model_type": "clipseg", "projection_dim": 512, "extract_layers": [3, 6, 9], "reduce_dim": 64,
          "decoder_num_attention_heads": 4, "decoder_intermediate_size": 2048, "conditional_layer": 0,
          "use_complex_transposed_convolution": false,
          "text_config": { "vocab_size": 49408, "hidden_size": 512, "intermediate_size": 2048, "num_hidden_layers": 12,
            "num_attention_heads": 8, "max_position_embeddings": 77, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05, "eos_token_id": 2 },
          "vision_config": { "hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_attention_heads": 12,
            "image_size": 224, "patch_size": 16, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05 }
        }
        """;

    private ClipSegModel _model = null!;
    private Tensor _pixels = null!;
    private Tensor _ids = null!;

    [GlobalSetup]
    public void Setup()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("XPASTE_TORCH_THREADS"), out int threads) && threads > 0)
        {
            set_num_threads(threads);
        }

        manual_seed(0);
        _model = new ClipSegModel(ClipSegConfig.Parse(Rd64Config));
        _pixels = randn(Images, 3, 352, 352);
        // <|startoftext|>, 6 prompt tokens, <|endoftext|>, zero padding: "a photo of {name}" with a two-word name.
        long[] ids = new long[Images * 77];
        for (int i = 0; i < Images; i++)
        {
            ids[i * 77] = 49406;
            for (int t = 1; t <= 6; t++)
            {
                ids[(i * 77) + t] = 320 + (i * 50) + t;
            }

            ids[(i * 77) + 7] = 49407;
        }

        _ids = tensor(ids, new long[] { Images, 77 });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pixels.Dispose();
        _ids.Dispose();
        _model.Dispose();
    }

    /// <summary>Eight calls of one image and its prompt each.</summary>
    [Benchmark(Baseline = true)]
    public float OneImagePerCall()
    {
        float sum = 0;
        for (int i = 0; i < Images; i++)
        {
            using var scope = NewDisposeScope();
            Tensor logits = _model.forward(_pixels.narrow(0, i, 1), _ids.narrow(0, i, 1));
            sum += logits[0, 0, 0].item<float>();
        }

        return sum;
    }

    /// <summary>One call with the batch of eight.</summary>
    [Benchmark]
    public float BatchOfEight()
    {
        using var scope = NewDisposeScope();
        Tensor logits = _model.forward(_pixels, _ids);
        return logits[0, 0, 0].item<float>();
    }
}
