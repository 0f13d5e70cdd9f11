using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using XPaste.Extraction;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.GpuCheck;

/// <summary>
/// Segment Anything: the tiny fixture (tests/XPaste.Core.Tests/TestData/sam/sam_tiny, box prompts, multimask) on the
/// CPU against transformers, the device in fp32 against the CPU, and fp16 (softmaxes and layer norms in fp32) against
/// the device's fp32 within 1% of the masks' range; then a facebook/sam-vit-base-sized model (random weights) on CUDA:
/// image encoder and mask decoder time in fp32 and fp16, and the fp16 error.
/// </summary>
internal sealed class SamFixtureCheck : IGpuCheck
{
    private const double Fp32Tolerance = 1e-3;

    // On the CPU the fixture's fp16 masks are within 0.45% of their range (SamPrecisionTests); 1% leaves room for CUDA kernels.
    private const double Fp16RelativeTolerance = 0.01;

    public int Order => 35;

    public string Name => "SAM";

    public IEnumerable<CheckRow> Run(CheckContext context)
    {
        string folder = context.Fixture("XPaste.Core.Tests/TestData/sam/sam_tiny");
        Dictionary<string, Tensor> expected = StateDictFile.Load(Path.Combine(folder, "expected.safetensors"));
        Tensor pixels = expected["pixel_values"], boxes = expected["box_input_boxes"];
        string device = context.Device.type.ToString().ToLowerInvariant();

        Tensor Masks(Device where, ScalarType dtype)
        {
            using SamModel model = SamModel.FromPretrained(folder, new SamLoadOptions { Device = where, DType = dtype });
            using SamOutput output = model.forward(pixels.to(where), inputBoxes: boxes.to(where));
            return output.PredMasks.cpu();
        }

        Tensor cpu = Masks(context.Cpu, ScalarType.Float32);
        yield return CheckRow.Within(Name, "tiny: cpu fp32 vs fixture: pred_masks", CheckContext.MaxAbsError(expected["box_multi_pred_masks"], cpu), Fp32Tolerance);
        Tensor fp32 = Masks(context.Device, ScalarType.Float32);
        yield return CheckRow.Within(Name, $"tiny: {device} fp32 vs cpu: pred_masks", CheckContext.MaxAbsError(cpu, fp32), Fp32Tolerance);
        if (!context.IsCuda)
        {
            yield return new CheckRow(Name, "fp16 and vit-base timing", Verdict.Skip, "-", Note: "fp16 is a CUDA precision (the CPU half path is in SamPrecisionTests)");
            yield break;
        }

        double range = fp32.abs().max().item<float>();
        yield return CheckRow.Within(Name, "tiny: cuda fp16 vs cuda fp32: pred_masks", CheckContext.MaxAbsError(fp32, Masks(context.Device, ScalarType.Float16)),
            Fp16RelativeTolerance * range, $"1% of the masks' range {range:G3}");
        foreach (CheckRow row in VitBase(context))
        {
            yield return row;
        }
    }

    /// <summary>The vit-base architecture with random weights: encoder and decoder times, fp32 then fp16 (the same weights halved).</summary>
    private IEnumerable<CheckRow> VitBase(CheckContext context)
    {
        if (context.Left < TimeSpan.FromSeconds(60))
        {
            yield return new CheckRow(Name, "vit-base", Verdict.Skip, "out of time");
            yield break;
        }

        using JsonDocument shapes = JsonDocument.Parse(File.ReadAllText(context.Fixture("XPaste.Core.Tests/TestData/sam/sam_checkpoint_shapes.json")));
        JsonObject config = JsonNode.Parse(shapes.RootElement.GetProperty("configs").GetProperty("facebook/sam-vit-base").GetRawText())!.AsObject();
        foreach (string extra in new[] { "parameter_count", "state_dict_tensors", "buffer_elements" })
        {
            config.Remove(extra);
        }

        random.manual_seed(0);
        using var model = new SamModel(SamConfig.Parse(config.ToJsonString()), context.Device);
        model.eval();
        int batch = context.Quick ? 1 : 4;
        int size = model.Config.Vision.ImageSize;
        using Tensor pixels = randn([batch, 3, size, size], device: context.Device);
        using Tensor boxes = tensor(new float[] { 200, 180, 760, 820 }, device: context.Device).view(1, 1, 4).expand(batch, 1, 4).contiguous();
        var results = new Dictionary<string, (double Encoder, double Decoder, Tensor Embeddings, Tensor Masks)>();
        foreach (string precision in new[] { "fp32", "fp16" })
        {
            if (precision == "fp16")
            {
                model.to(ScalarType.Float16);
            }

            using var scope = NewDisposeScope();
            double encoder = context.MedianMilliseconds(5, () => model.GetImageEmbeddings(pixels).Dispose());
            Tensor embeddings = model.GetImageEmbeddings(pixels);
            double decoder = context.MedianMilliseconds(5, () => model.ForwardWithEmbeddings(embeddings, inputBoxes: boxes).Dispose());
            using SamOutput output = model.ForwardWithEmbeddings(embeddings, inputBoxes: boxes);
            results[precision] = (encoder, decoder, embeddings.cpu().to(ScalarType.Float32).DetachFromDisposeScope(), output.PredMasks.cpu().DetachFromDisposeScope());
            yield return new CheckRow(Name, $"vit-base cuda {precision}, batch {batch}: image encoder", Verdict.Info, Ms(encoder / batch) + " ms/image", Note: "median of 5, random weights");
            yield return new CheckRow(Name, $"vit-base cuda {precision}, batch {batch}: mask decoder (1 box)", Verdict.Info, Ms(decoder / batch) + " ms/image", Note: "median of 5");
        }

        var (e32, d32, emb32, masks32) = results["fp32"];
        var (e16, d16, emb16, masks16) = results["fp16"];
        yield return new CheckRow(Name, "vit-base fp32 / fp16 time", Verdict.Info, $"encoder {e32 / e16:F2}x, decoder {d32 / d16:F2}x");
        yield return new CheckRow(Name, "vit-base fp16 vs fp32: image embeddings", Verdict.Info,
            $"max abs err {CheckContext.MaxAbsError(emb32, emb16):G3}", Note: $"range {emb32.abs().max().item<float>():G3}; random weights, for information");
        yield return new CheckRow(Name, "vit-base fp16 vs fp32: pred_masks", Verdict.Info,
            $"max abs err {CheckContext.MaxAbsError(masks32, masks16):G3}", Note: $"range {masks32.abs().max().item<float>():G3}; random weights, for information");
        foreach (Tensor t in new[] { emb32, masks32, emb16, masks16 })
        {
            t.Dispose();
        }
    }

    private static string Ms(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
}
