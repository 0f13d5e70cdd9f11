using XPaste.Extraction;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.GpuCheck;

/// <summary>
/// The tiny CLIPSeg fixture (tests/XPaste.Core.Tests/TestData/clipseg/clipseg_tiny): the CPU against transformers'
/// logits, the device in fp32 against the CPU. CLIPSeg runs in fp32 only.
/// </summary>
internal sealed class ClipSegFixtureCheck : IGpuCheck
{
    private const double Fp32Tolerance = 1e-4;

    public int Order => 30;

    public string Name => "CLIPSeg tiny fixture";

    public IEnumerable<CheckRow> Run(CheckContext context)
    {
        string folder = context.Fixture("XPaste.Core.Tests/TestData/clipseg/clipseg_tiny");
        Dictionary<string, Tensor> expected = StateDictFile.Load(Path.Combine(folder, "expected.safetensors"));
        Tensor pixels = expected["pixel_values"];
        Tensor ids = expected["input_ids"].to(ScalarType.Int64);
        Tensor mask = expected["attention_mask"].to(ScalarType.Int64);
        using var inference = inference_mode();

        Tensor Logits(Device device)
        {
            using ClipSegModel model = ClipSegModel.FromPretrained(folder, new ClipSegModelOptions { Device = device });
            return model.forward(pixels.to(device), ids.to(device), mask.to(device)).cpu();
        }

        Tensor cpu = Logits(context.Cpu);
        yield return CheckRow.Within(Name, "cpu fp32 vs fixture: logits", CheckContext.MaxAbsError(expected["logits"], cpu), Fp32Tolerance);
        Tensor device = Logits(context.Device);
        yield return CheckRow.Within(Name, $"{context.Device.type.ToString().ToLowerInvariant()} fp32 vs cpu: logits", CheckContext.MaxAbsError(cpu, device), Fp32Tolerance);
    }
}
