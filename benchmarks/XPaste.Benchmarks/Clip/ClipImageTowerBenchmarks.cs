using BenchmarkDotNet.Attributes;
using XPaste.Clip;
using static TorchSharp.torch;

namespace XPaste.Benchmarks.Clip;

/// <summary>
/// The CLIP image tower at ViT-B/32 size (random weights, fp32, CPU) embedding 8 preprocessed 224x224 images.
/// Baseline: the images one at a time, the way a per-image port of the reference's scoring loop would call the
/// model; against one batch of 8 (what <see cref="ClipZeroShotOptions.BatchSize"/> buys) and the same batch with
/// autograd recording instead of <c>inference_mode</c> (what the model's inference mode saves).
/// libtorch uses every core unless <c>XPASTE_TORCH_THREADS</c> says otherwise: on a shared machine set it to 1,
/// because OpenMP threads spin-waiting behind other processes make multi-threaded timings meaningless there.
/// Run with <c>--inProcess</c> (BenchmarkDotNet's generated projects lack the native libtorch set-up).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet frees the model in GlobalCleanup.")]
public class ClipImageTowerBenchmarks
{
    private const int Images = 8;
    private ClipModel _model = null!;
    private Tensor _batch = null!;
    private Tensor[] _singles = [];

    [GlobalSetup]
    public void Setup()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("XPASTE_TORCH_THREADS"), out int threads) && threads > 0)
        {
            set_num_threads(threads);
        }

        manual_seed(0);
        // ClipConfig's defaults are openai/clip-vit-base-patch32's architecture.
        _model = new ClipModel(new ClipConfig());
        _batch = randn(Images, 3, 224, 224);
        _singles = Enumerable.Range(0, Images).Select(i => _batch.narrow(0, i, 1).contiguous()).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (Tensor single in _singles)
        {
            single.Dispose();
        }

        _batch.Dispose();
        _model.Dispose();
    }

    /// <summary>Eight calls of one image each.</summary>
    [Benchmark(Baseline = true)]
    public float OneImageAtATime()
    {
        float sum = 0;
        foreach (Tensor single in _singles)
        {
            using Tensor features = _model.GetImageFeatures(single);
            sum += features[0, 0].item<float>();
        }

        return sum;
    }

    /// <summary>One call with the batch of eight.</summary>
    [Benchmark]
    public float BatchOfEight()
    {
        using Tensor features = _model.GetImageFeatures(_batch);
        return features[0, 0].item<float>();
    }

    /// <summary>The batch of eight through the same modules with autograd recording (no inference mode).</summary>
    [Benchmark]
    public float BatchOfEightWithAutograd()
    {
        using var scope = NewDisposeScope();
        Tensor features = _model.visual_projection.call(_model.vision_model.call(_batch));
        return features[0, 0].item<float>();
    }
}
