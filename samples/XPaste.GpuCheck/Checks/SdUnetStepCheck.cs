using System.Globalization;
using System.Text.Json;
using TorchSharp;
using XPaste.Generation;
using static TorchSharp.torch;

namespace XPaste.GpuCheck;

/// <summary>
/// One denoising step of a UNet with Stable Diffusion v1.5's architecture (random weights, seeded), fp16 on CUDA:
/// latents [2,4,64,64] (512x512 with guidance), text states [2,77,768], timestep 500; median of 5 after a warm-up,
/// against PyTorch on the same GPU (benchmarks/python/sd_unet_step_gpu.py, whose JSON result scripts/gpu-check.sh
/// passes in XPASTE_TORCH_UNET_JSON: {"ms_per_step": ..., "device": ..., "torch": ...}).
/// </summary>
internal sealed class SdUnetStepCheck : IGpuCheck
{
    public int Order => 90;

    public string Name => "SD v1.5 UNet step";

    public IEnumerable<CheckRow> Run(CheckContext context)
    {
        string? torchSide = Environment.GetEnvironmentVariable("XPASTE_TORCH_UNET_JSON");
        if (!context.IsCuda)
        {
            yield return new CheckRow(Name, "fp16, TorchSharp vs PyTorch", Verdict.Skip, "-", Note: "fp16 on CUDA only (a CPU step is in docs/performance.md)");
            yield break;
        }

        double ms;
        using (var inference = inference_mode())
        using (var scope = NewDisposeScope())
        {
            manual_seed(0);
            using var unet = new UNet2DConditionModel(UNet2DConditionConfig.StableDiffusion15, context.Device);
            unet.half();
            unet.eval();
            var generator = new Generator(1, context.Device);
            Tensor sample = randn([2, 4, 64, 64], dtype: ScalarType.Float16, device: context.Device, generator: generator);
            Tensor states = randn([2, 77, 768], dtype: ScalarType.Float16, device: context.Device, generator: generator);
            Tensor timestep = tensor(500f, device: context.Device);
            ms = context.MedianMilliseconds(5, () =>
            {
                using var step = NewDisposeScope();
                unet.call(sample, timestep, states);
            });
        }

        yield return new CheckRow(Name, "TorchSharp cuda fp16 ms/step", Verdict.Info, ms.ToString("F1", CultureInfo.InvariantCulture));
        if (torchSide is null)
        {
            yield return new CheckRow(Name, "PyTorch cuda fp16 ms/step", Verdict.Skip, "-", Note: "no PyTorch result given (XPASTE_TORCH_UNET_JSON)");
            yield break;
        }

        double? torchMs = null;
        string note = torchSide;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(torchSide);
            if (doc.RootElement.TryGetProperty("ms_per_step", out JsonElement value) && value.ValueKind == JsonValueKind.Number)
            {
                torchMs = value.GetDouble();
                note = $"torch {doc.RootElement.GetProperty("torch")}, {doc.RootElement.GetProperty("device")}";
            }
        }
        catch (JsonException)
        {
        }

        if (torchMs is null)
        {
            yield return new CheckRow(Name, "PyTorch cuda fp16 ms/step", Verdict.Skip, "-", Note: note);
            yield break;
        }

        yield return new CheckRow(Name, "PyTorch cuda fp16 ms/step", Verdict.Info, torchMs.Value.ToString("F1", CultureInfo.InvariantCulture), Note: note);
        yield return new CheckRow(Name, "ratio TorchSharp / PyTorch", Verdict.Info, (ms / torchMs.Value).ToString("F2", CultureInfo.InvariantCulture), "goal <= 1.10");
    }
}
