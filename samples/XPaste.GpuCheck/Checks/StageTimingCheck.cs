using System.Globalization;
using System.Text.Json;
using TorchSharp;
using XPaste.Clip;
using XPaste.Extraction;
using XPaste.Generation;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.GpuCheck;

/// <summary>
/// The side-by-side suite's model stages (docs/performance.md, issue 25) at fp16 on CUDA against PyTorch on the same
/// GPU: SAM's ViT-B image encoder (1x1024x1024), SD 1.5's VAE decode (to 512x512), the CLIP ViT-B/32 (8 images) and
/// ViT-L/14 (4 images) image towers. Random weights, median of 5 after a warm-up. The PyTorch side is
/// benchmarks/python/side_by_side_gpu.py, whose JSON line scripts/gpu-check.sh passes in XPASTE_TORCH_STAGES_JSON
/// (<c>{"stages": {"sam-vit-b": ms, ...}, "torch": ..., "device": ...}</c>). The SD UNet step has its own check.
/// </summary>
internal sealed class StageTimingCheck : IGpuCheck
{
    /// <summary>SD 1.5's published vae/config.json (the fields AutoencoderKL reads).</summary>
    private const string Sd15VaeConfig = """
        {"_class_name": "AutoencoderKL", "act_fn": "silu", "block_out_channels": [128, 256, 512, 512],
         "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
         "in_channels": 3, "latent_channels": 4, "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 3, "sample_size": 512,
         "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]}
        """;

    public int Order => 95;

    public string Name => "model stages fp16";

    public IEnumerable<CheckRow> Run(CheckContext context)
    {
        if (!context.IsCuda)
        {
            yield return new CheckRow(Name, "fp16, TorchSharp vs PyTorch", Verdict.Skip, "-", Note: "fp16 on CUDA only (CPU tables are in docs/performance.md)");
            yield break;
        }

        (Dictionary<string, double> torchMs, string note) = TorchSide();
        foreach (string stage in new[] { "sam-vit-b", "vae-decode", "clip-b32", "clip-l14" })
        {
            if (context.Left < TimeSpan.FromSeconds(60))
            {
                yield return new CheckRow(Name, stage, Verdict.Skip, "-", Note: "time budget spent");
                continue;
            }

            double ms = Time(stage, context);
            yield return new CheckRow(Name, $"{stage} TorchSharp cuda fp16 ms", Verdict.Info, ms.ToString("F1", CultureInfo.InvariantCulture));
            if (torchMs.TryGetValue(stage, out double theirs))
            {
                yield return new CheckRow(Name, $"{stage} PyTorch cuda fp16 ms", Verdict.Info, theirs.ToString("F1", CultureInfo.InvariantCulture), Note: note);
                yield return new CheckRow(Name, $"{stage} ratio TorchSharp / PyTorch", Verdict.Info, (ms / theirs).ToString("F2", CultureInfo.InvariantCulture), "goal <= 1.10");
            }
            else
            {
                yield return new CheckRow(Name, $"{stage} PyTorch cuda fp16 ms", Verdict.Skip, "-", Note: note);
            }
        }
    }

    private static double Time(string stage, CheckContext context)
    {
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        manual_seed(0);
        switch (stage)
        {
            case "sam-vit-b":
            {
                // transformers' SamConfig defaults are sam-vit-base's.
                using var sam = new SamModel(SamConfig.Parse("""{"model_type":"sam","vision_config":{},"prompt_encoder_config":{},"mask_decoder_config":{}}"""), context.Device);
                sam.to(ScalarType.Float16);
                Tensor pixels = randn([1, 3, 1024, 1024], dtype: ScalarType.Float16, device: context.Device);
                return context.MedianMilliseconds(5, () => sam.GetImageEmbeddings(pixels).Dispose());
            }

            case "vae-decode":
            {
                using var vae = new AutoencoderKL(AutoencoderKLConfig.Parse(Sd15VaeConfig), context.Device);
                vae.half();
                Tensor z = randn([1, 4, 64, 64], dtype: ScalarType.Float16, device: context.Device);
                return context.MedianMilliseconds(5, () => vae.Decode(z).Dispose());
            }

            default:
            {
                bool large = stage == "clip-l14";
                string name = large ? "clip-vit-large-patch14.json" : "clip-vit-base-patch32.json";
                using ClipModel clip = RandomClip(context.Fixture($"XPaste.Core.Tests/TestData/clip/configs/{name}"), context.Device);
                Tensor pixels = randn([large ? 4 : 8, 3, 224, 224], device: context.Device);
                return context.MedianMilliseconds(5, () => clip.GetImageFeatures(pixels).Dispose());
            }
        }
    }

    /// <summary>A CLIP model with random weights loaded the public way (a temporary folder) at fp16.</summary>
    private static ClipModel RandomClip(string configPath, Device device)
    {
        string folder = Directory.CreateTempSubdirectory("xpaste-gpucheck-clip").FullName;
        try
        {
            File.Copy(configPath, Path.Combine(folder, "config.json"));
            using (var cpu = new ClipModel(ClipConfig.Load(configPath)))
            {
                StateDictFile.SaveSafetensors(Path.Combine(folder, "model.safetensors"), cpu.state_dict());
            }

            return ClipModel.FromPretrained(folder, new ClipModelOptions { Device = device, Precision = ClipPrecision.Fp16 });
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    private static (Dictionary<string, double> Ms, string Note) TorchSide()
    {
        string? json = Environment.GetEnvironmentVariable("XPASTE_TORCH_STAGES_JSON");
        if (string.IsNullOrWhiteSpace(json))
        {
            return ([], "no PyTorch result given (XPASTE_TORCH_STAGES_JSON)");
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            var ms = new Dictionary<string, double>();
            foreach (JsonProperty p in doc.RootElement.GetProperty("stages").EnumerateObject())
            {
                ms[p.Name] = p.Value.GetDouble();
            }

            return (ms, $"torch {doc.RootElement.GetProperty("torch")}, {doc.RootElement.GetProperty("device")}");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return ([], json);
        }
    }
}
