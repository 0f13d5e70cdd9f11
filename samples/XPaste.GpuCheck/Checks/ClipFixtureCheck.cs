using XPaste.Clip;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.GpuCheck;

/// <summary>
/// The tiny CLIP fixture (tests/XPaste.Core.Tests/TestData/clip/clip_tiny): the CPU against the fixture's PyTorch
/// outputs, the device in fp32 against the CPU, the device in fp16 (ClipPrecision.Fp16) with its error.
/// </summary>
internal sealed class ClipFixtureCheck : IGpuCheck
{
    private const double Fp32Tolerance = 1e-4;

    public int Order => 10;

    public string Name => "CLIP tiny fixture";

    public IEnumerable<CheckRow> Run(CheckContext context)
    {
        string folder = context.Fixture("XPaste.Core.Tests/TestData/clip/clip_tiny");
        Dictionary<string, Tensor> expected = StateDictFile.Load(Path.Combine(folder, "expected.safetensors"));
        Tensor pixels = expected["pixel_values"];
        Tensor ids = expected["input_ids"].to(ScalarType.Int64);
        using var inference = inference_mode();

        (Tensor Image, Tensor Text, Tensor Logits) Outputs(Device device, ClipPrecision precision)
        {
            using ClipModel model = ClipModel.FromPretrained(folder, new ClipModelOptions { Device = device, Precision = precision });
            Tensor p = pixels.to(device), t = ids.to(device);
            using ClipOutput output = model.Forward(p, t);
            return (model.GetImageFeatures(p).cpu(), model.GetTextFeatures(t).cpu(), output.LogitsPerImage.cpu());
        }

        var cpu = Outputs(context.Cpu, ClipPrecision.Fp32);
        yield return CheckRow.Within(Name, "cpu fp32 vs fixture: logits", CheckContext.MaxAbsError(expected["logits_per_image"], cpu.Logits), Fp32Tolerance);
        var fp32 = Outputs(context.Device, ClipPrecision.Fp32);
        yield return CheckRow.Within(Name, $"{context.Device.type.ToString().ToLowerInvariant()} fp32 vs cpu: image embeds", CheckContext.MaxAbsError(cpu.Image, fp32.Image), Fp32Tolerance);
        yield return CheckRow.Within(Name, $"{context.Device.type.ToString().ToLowerInvariant()} fp32 vs cpu: text embeds", CheckContext.MaxAbsError(cpu.Text, fp32.Text), Fp32Tolerance);
        yield return CheckRow.Within(Name, $"{context.Device.type.ToString().ToLowerInvariant()} fp32 vs cpu: logits", CheckContext.MaxAbsError(cpu.Logits, fp32.Logits), Fp32Tolerance);
        if (!context.IsCuda)
        {
            yield return new CheckRow(Name, "fp16", Verdict.Skip, "-", Note: "fp16 is a CUDA precision");
            yield break;
        }

        var fp16 = Outputs(context.Device, ClipPrecision.Fp16);
        yield return new CheckRow(Name, "cuda fp16 vs cpu fp32: image embeds", Verdict.Info, $"max abs err {CheckContext.MaxAbsError(cpu.Image, fp16.Image):G3}");
        yield return new CheckRow(Name, "cuda fp16 vs cpu fp32: text embeds", Verdict.Info, $"max abs err {CheckContext.MaxAbsError(cpu.Text, fp16.Text):G3}");
        yield return new CheckRow(Name, "cuda fp16 vs cpu fp32: logits", Verdict.Info, $"max abs err {CheckContext.MaxAbsError(cpu.Logits, fp16.Logits):G3}", Note: "logits are 100 x cosine");
    }
}
