using System.Text.Json;
using XPaste.Extraction;
using XPaste.Imaging;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction.Sam;

public sealed class SamProcessorTests
{
    private static readonly string[] PostProcessedCases = ["box", "points", "box_point", "two_boxes"];

    private static SamProcessor Processor() => SamProcessor.FromFolder(SamFixture.Folder);

    private static Tensor Chw(Tensor hwc) => hwc.permute(2, 0, 1).contiguous();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Resize_is_pil_bilinear_bit_for_bit_when_enlarging_and_when_shrinking(int i)
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> expected = SamFixture.Expected();
        Tensor raw = Chw(expected[$"raw_image_{i}"]);
        var (h, w) = Processor().ResizedSize((int)raw.shape[1], (int)raw.shape[2]);
        Tensor resized = PilResize.Bilinear(raw, h, w);
        Tensor reference = Chw(expected[$"resized_image_{i}"]);
        Assert.Equal(reference.shape, resized.shape);
        Assert.Equal(0L, (resized.to(ScalarType.Int32) - reference.to(ScalarType.Int32)).abs().max().item<int>());
    }

    [Fact]
    public void Pixel_values_from_the_stored_resized_images_are_within_1e_6()
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> expected = SamFixture.Expected();
        Tensor pixels = Processor().FromResized([Chw(expected["resized_image_0"]), Chw(expected["resized_image_1"])], CPU);
        Assert.True(SamFixture.MaxError(expected["pixel_values"], pixels) <= 1e-6);
    }

    [Fact]
    public void Preprocess_from_the_raw_images_gives_the_pixel_values_and_the_sizes()
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> expected = SamFixture.Expected();
        using SamImageBatch batch = Processor().Preprocess([Chw(expected["raw_image_0"]), Chw(expected["raw_image_1"])]);
        Assert.True(SamFixture.MaxError(expected["pixel_values"], batch.PixelValues) <= 1e-6);
        Assert.Equal([(37, 50), (75, 46)], batch.OriginalSizes);
        Assert.Equal([(47, 64), (64, 39)], batch.ReshapedInputSizes);
    }

    [Fact]
    public void Prompt_coordinates_scale_by_two_factors_as_the_processor_does()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(SamFixture.Folder, "expected.json")));
        JsonElement raw = doc.RootElement.GetProperty("raw_prompts");
        JsonElement processed = doc.RootElement.GetProperty("processor_outputs_float64");
        SamProcessor processor = Processor();
        (int, int)[] sizes = [(37, 50), (75, 46)];
        foreach (string name in new[] { "box", "two_boxes" })
        {
            for (int image = 0; image < 2; image++)
            {
                JsonElement[] boxes = [.. raw.GetProperty(name)[image].EnumerateArray()];
                for (int b = 0; b < boxes.Length; b++)
                {
                    double[] r = [.. boxes[b].EnumerateArray().Select(v => v.GetDouble())];
                    double[] e = [.. processed.GetProperty(name).GetProperty("input_boxes")[image][b].EnumerateArray().Select(v => v.GetDouble())];
                    var s = processor.ScaleBox((r[0], r[1], r[2], r[3]), sizes[image]);
                    Assert.Equal(e, [s.X1, s.Y1, s.X2, s.Y2], (a, c) => Math.Abs(a - c) < 1e-12);
                }
            }
        }

        for (int image = 0; image < 2; image++)
        {
            JsonElement[] points = [.. raw.GetProperty("points")[0][image].EnumerateArray()];
            for (int p = 0; p < points.Length; p++)
            {
                var s = processor.ScalePoint(points[p][0].GetDouble(), points[p][1].GetDouble(), sizes[image]);
                JsonElement e = processed.GetProperty("points").GetProperty("input_points")[image][0][p];
                Assert.Equal(e[0].GetDouble(), s.X, 12);
                Assert.Equal(e[1].GetDouble(), s.Y, 12);
            }
        }
    }

    [Fact]
    public void Post_processed_masks_match_within_tolerance_and_binarised_ones_except_near_zero()
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> expected = SamFixture.Expected();
        SamProcessor processor = Processor();
        (int, int)[] originals = [(37, 50), (75, 46)];
        (int, int)[] reshaped = [(47, 64), (64, 39)];
        int compared = 0;
        foreach (string name in PostProcessedCases)
        {
            foreach (string mode in new[] { "multi", "single" })
            {
                Tensor pred = expected[$"{name}_{mode}_pred_masks"];
                for (int i = 0; i < 2; i++)
                {
                    string key = $"{name}_{mode}_masks_{i}";
                    Tensor logits = processor.PostProcessMasks(pred[i], originals[i], reshaped[i], binarize: false);
                    SamFixture.AssertClose(key, expected[key], logits);
                    Tensor binary = processor.PostProcessMasks(pred[i], originals[i], reshaped[i]);
                    Tensor reference = expected[$"{name}_{mode}_binary_masks_{i}"].to(ScalarType.Bool);
                    Tensor nearZero = expected[key].abs() <= SamFixture.Tolerances[key];
                    Tensor differs = binary.logical_xor(reference);
                    Assert.False(differs.logical_and(nearZero.logical_not()).any().item<bool>(), $"{key}: binary mask differs away from 0");
                    compared++;
                }
            }
        }

        Assert.Equal(16, compared);
    }
}
