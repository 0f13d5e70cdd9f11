using TorchSharp;
using XPaste.Extraction;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.GpuCheck;

/// <summary>
/// The U^2-Net small fixture (tests/XPaste.Core.Tests/TestData/u2netp): its seven sigmoid outputs on the CPU against
/// the fixture's PyTorch outputs, on the device in fp32 against the CPU, and in fp16 (weights and input halved).
/// </summary>
internal sealed class U2NetFixtureCheck : IGpuCheck
{
    private const double Fp32Tolerance = 1e-4;

    public int Order => 20;

    public string Name => "U^2-Net small fixture";

    public IEnumerable<CheckRow> Run(CheckContext context)
    {
        string model = context.Fixture("XPaste.Core.Tests/TestData/u2netp/model.safetensors");
        Dictionary<string, Tensor> expected = StateDictFile.Load(context.Fixture("XPaste.Core.Tests/TestData/u2netp/expected.safetensors"));
        Tensor input = expected["input"];
        using var inference = inference_mode();

        Tensor[] Outputs(Device device, ScalarType dtype)
        {
            using U2Net net = U2Net.FromPretrained(model, new U2NetOptions { Device = device });
            if (dtype != ScalarType.Float32)
            {
                net.to(dtype);
            }

            return [.. net.call(input.to(device).to(dtype)).Select(o => o.cpu().to(ScalarType.Float32))];
        }

        static double Worst(Tensor[] a, Tensor[] b) => a.Zip(b).Max(p => CheckContext.MaxAbsError(p.First, p.Second));

        Tensor[] cpu = Outputs(context.Cpu, ScalarType.Float32);
        yield return CheckRow.Within(Name, "cpu fp32 vs fixture: d0..d6", Worst([.. Enumerable.Range(0, 7).Select(i => expected[$"d{i}"])], cpu), Fp32Tolerance);
        yield return CheckRow.Within(Name, $"{context.Device.type.ToString().ToLowerInvariant()} fp32 vs cpu: d0..d6", Worst(cpu, Outputs(context.Device, ScalarType.Float32)), Fp32Tolerance);
        if (!context.IsCuda)
        {
            yield return new CheckRow(Name, "fp16", Verdict.Skip, "-", Note: "fp16 is a CUDA precision");
            yield break;
        }

        yield return new CheckRow(Name, "cuda fp16 vs cpu fp32: d0..d6", Verdict.Info, $"max abs err {Worst(cpu, Outputs(context.Device, ScalarType.Float16)):G3}", Note: "sigmoid outputs in [0,1]");
    }
}
