using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using XPaste.Clip;
using XPaste.Extraction;
using XPaste.Generation;
using XPaste.Weights;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace XPaste.Benchmarks.SideBySide;

/// <summary>One engine's model for a stage.</summary>
internal interface IStage : IDisposable
{
    /// <summary>The stage's outputs for its inputs (in the order of their names in <c>io.safetensors</c>).</summary>
    Tensor[] Run(Tensor[] inputs);
}

/// <summary>XPaste's model for a stage, loaded from the exported <c>model.safetensors</c> under its checkpoint names.</summary>
internal sealed class XPasteStage(Func<Tensor[], Tensor[]> run, IDisposable model) : IStage
{
    /// <summary>Loads the stage; <paramref name="variant"/> names XPaste settings under test (<c>unfused</c>, <c>nchw</c>, <c>channels-last</c>, <c>bf16</c> for CLIP, SAM and the UNet).</summary>
    public static XPasteStage Create(string stage, string folder, string variant)
    {
        string weights = Path.Combine(folder, "model.safetensors");
        switch (stage)
        {
            case "u2net" or "u2netp":
                U2Net u2 = U2Net.FromPretrained(weights);
                u2.FoldBatchNorm = !variant.Contains("unfused", StringComparison.Ordinal);
                u2.ChannelsLast = !variant.Contains("nchw", StringComparison.Ordinal);
                return new XPasteStage(x => { using var mode = inference_mode(); return u2.call(x[0]); }, u2);
            case "clip-b32" or "clip-l14":
                ClipModel clip = ClipModel.FromPretrained(folder, variant.Contains("bf16", StringComparison.Ordinal) ? new ClipModelOptions { Precision = ClipPrecision.Bf16 } : null);
                return new XPasteStage(x => [clip.GetImageFeatures(x[0])], clip);
            case "clipseg":
                ClipSegModel seg = ClipSegModel.FromPretrained(folder);
                return new XPasteStage(x => [seg.forward(x[0], x[1])], seg);
            case "sam-vit-b":
                // The whole SamModel (random prompt encoder and decoder), its image encoder loaded strictly.
                var sam = new SamModel(SamConfig.Load(Path.Combine(folder, "config.json")));
                StateDictLoader.Load(sam.vision_encoder, weights);
                if (variant.Contains("bf16", StringComparison.Ordinal))
                {
                    sam.to(ScalarType.BFloat16); // as SamLoadOptions.DType does: norms and softmax still compute in fp32
                }

                return new XPasteStage(x => [sam.GetImageEmbeddings(x[0]).to(ScalarType.Float32)], sam);
            case "vae-decode":
                var vae = new AutoencoderKL(AutoencoderKLConfig.Parse(Sd15Configs.Vae));
                CheckDecoderOnly(StateDictLoader.Load(vae, weights, new StateDictLoadOptions { Strict = false }));
                if (variant.Contains("channels-last", StringComparison.Ordinal) || variant.Contains("nchw", StringComparison.Ordinal))
                {
                    // Otherwise the library's default (channels-last on the CPU) is what is measured.
                    vae.DecodeChannelsLast = variant.Contains("channels-last", StringComparison.Ordinal);
                }

                return new XPasteStage(x => { using var mode = inference_mode(); return [vae.Decode(x[0])]; }, vae);
            case "sd-unet":
                var unet = new UNet2DConditionModel(UNet2DConditionConfig.Parse(Sd15Configs.Unet));
                StateDictLoader.Load(unet, weights);
                unet.eval();
                if (variant.Contains("bf16", StringComparison.Ordinal))
                {
                    // The opt-in bf16 UNet (StableDiffusionLoadOptions.DType): weights, latents and text states in bf16.
                    unet.to(ScalarType.BFloat16);
                    return new XPasteStage(x =>
                    {
                        using var mode = inference_mode();
                        using Tensor latents = x[0].to(ScalarType.BFloat16), context = x[2].to(ScalarType.BFloat16);
                        return [unet.forward(latents, x[1], context).to(ScalarType.Float32)];
                    }, unet);
                }

                return new XPasteStage(x => { using var mode = inference_mode(); return [unet.forward(x[0], x[1], x[2])]; }, unet);
            default:
                throw new ArgumentException($"unknown stage {stage}", nameof(stage));
        }
    }

    /// <summary>The export holds the decoder and post_quant_conv only: anything else missing, or any extra or mis-shaped tensor, is an error.</summary>
    private static void CheckDecoderOnly(WeightLoadReport report)
    {
        string[] missing = [.. report.Missing.Where(n => !n.StartsWith("encoder.", StringComparison.Ordinal) && !n.StartsWith("quant_conv.", StringComparison.Ordinal))];
        if (missing.Length > 0 || report.Unexpected.Count > 0 || report.Mismatched.Count > 0)
        {
            throw new InvalidOperationException($"VAE decoder weights do not fit: {report}");
        }
    }

    public Tensor[] Run(Tensor[] inputs) => run(inputs);

    /// <summary>The loaded network (for profiling hooks).</summary>
    public IDisposable Model => model;

    public void Dispose() => model.Dispose();
}

/// <summary>ONNX Runtime on the exported <c>model.onnx</c>: graph optimisation ALL, intra-op threads = threads, sequential.</summary>
internal sealed class OrtStage : IStage
{
    private readonly InferenceSession _session;
    private readonly SessionOptions _options;
    private readonly (string Name, float[] Data, int[] Shape)[] _inputs;

    public OrtStage(string path, int threads, string[] names, Tensor[] inputs)
    {
        _options = Options(threads);
        _session = new InferenceSession(path, _options);
        _inputs = [.. names.Zip(inputs, (n, t) => (n, t.data<float>().ToArray(), t.shape.Select(d => (int)d).ToArray()))];
    }

    /// <summary>The suite's ORT settings: graph optimisation ALL, <paramref name="threads"/> intra-op threads, one inter-op, sequential.</summary>
    public static SessionOptions Options(int threads) => new()
    {
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        IntraOpNumThreads = threads,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
    };

    /// <summary>The timed call: ORT's run alone, outputs left in ORT's buffers.</summary>
    public void RunOnly()
    {
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> outputs = _session.Run(Feeds());
    }

    public Tensor[] Run(Tensor[] inputs)
    {
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> outputs = _session.Run(Feeds());
        return [.. outputs.OrderBy(o => o.Name, StringComparer.Ordinal).Select(o =>
        {
            var t = (DenseTensor<float>)o.AsTensor<float>();
            return tensor(t.Buffer.ToArray(), [.. t.Dimensions.ToArray().Select(d => (long)d)]);
        })];
    }

    private NamedOnnxValue[] Feeds() =>
        [.. _inputs.Select(i => NamedOnnxValue.CreateFromTensor(i.Name, new DenseTensor<float>(i.Data, i.Shape)))];

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }
}
