using System.Text.Json;
using XPaste.Generation;
using XPaste.Generation.Schedulers;
using XPaste.Imaging;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.GpuCheck;

/// <summary>
/// The tiny Stable Diffusion fixture (tests/Shared/TestData/generation/sd_tiny): the UNet and VAE decode on the device
/// in fp32 against diffusers' outputs (expected.json's tolerances), the first seeded end-to-end case (DPM-Solver++, 10
/// steps, seed 1234) against diffusers' PNG (uint8 off by at most 1 in at most 0.5% of values), and the same in fp16
/// with its error.
/// </summary>
internal sealed class SdFixtureCheck : IGpuCheck
{
    public int Order => 40;

    public string Name => "SD tiny fixture";

    public IEnumerable<CheckRow> Run(CheckContext context)
    {
        string folder = context.Fixture("Shared/TestData/generation/sd_tiny");
        Dictionary<string, Tensor> expected = StateDictFile.Load(Path.Combine(folder, "expected.safetensors"));
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "expected.json")));
        double Tolerance(string name) => json.RootElement.GetProperty("tolerance").GetProperty(name).GetProperty("max_abs").GetDouble();
        string device = context.Device.type.ToString().ToLowerInvariant();
        using var inference = inference_mode();

        using (var models = StableDiffusionModels.FromPretrained(folder, new StableDiffusionLoadOptions { Device = context.Device }))
        {
            Tensor noise = models.Unet.call(expected["unet_sample"].to(context.Device), expected["unet_timesteps"].to(context.Device),
                expected["unet_encoder_hidden_states"].to(context.Device));
            yield return CheckRow.Within(Name, $"{device} fp32 vs diffusers: UNet t=999,421", CheckContext.MaxAbsError(expected["unet_noise_pred"], noise), Tolerance("unet_noise_pred"));
            Tensor decoded = models.Vae.Decode(expected["vae_latents"].to(context.Device));
            yield return CheckRow.Within(Name, $"{device} fp32 vs diffusers: VAE decode", CheckContext.MaxAbsError(expected["vae_decoded"], decoded), Tolerance("vae_decoded"));
        }

        JsonElement seeded = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "seeded_cases.json"))).RootElement;
        JsonElement first = seeded.ValueKind == JsonValueKind.Array ? seeded[0] : seeded.GetProperty("cases")[0];
        using Tensor reference = ImageIO.Load(Path.Combine(folder, first.GetProperty("images")[0].GetString()!)).to(ScalarType.Int32);
        var request = new TextToImageRequest
        {
            Prompts = [first.GetProperty("prompt").GetString()!],
            GuidanceScale = first.GetProperty("guidance_scale").GetDouble(),
            Steps = first.GetProperty("num_inference_steps").GetInt32(),
            Width = first.GetProperty("width").GetInt32(),
            Height = first.GetProperty("height").GetInt32(),
            Scheduler = SchedulerKind.Dpm,
            Seed = first.GetProperty("seed").GetInt64(),
        };
        foreach (ScalarType dtype in context.IsCuda ? new[] { ScalarType.Float32, ScalarType.Float16 } : [ScalarType.Float32])
        {
            using var pipeline = StableDiffusionPipeline.FromPretrained(folder, new StableDiffusionPipelineOptions { Model = new StableDiffusionLoadOptions { Device = context.Device, DType = dtype } });
            using Tensor image = pipeline.Generate(request).cpu().squeeze(0).to(ScalarType.Int32);
            using Tensor diff = (image - reference).abs();
            int maxAbs = diff.max().item<int>();
            double fraction = diff.gt(0).sum().item<long>() / (double)diff.numel();
            string precision = dtype == ScalarType.Float16 ? "fp16" : "fp32";
            string value = $"max {maxAbs}, {fraction:P2} of values differ";
            yield return dtype == ScalarType.Float16
                ? new CheckRow(Name, $"{device} {precision} pipeline vs diffusers PNG (seed 1234)", Verdict.Info, value, Note: "fp16 error, for information")
                : new CheckRow(Name, $"{device} {precision} pipeline vs diffusers PNG (seed 1234)", maxAbs <= 1 && fraction <= 0.005 ? Verdict.Pass : Verdict.Fail, value, "<= 1, <= 0.50%");
        }
    }
}
