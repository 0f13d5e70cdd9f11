using XPaste.Abstractions;
using XPaste.Extraction;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction.Sam;

/// <summary><see cref="SamExtractorOptions.UsePeakPoint"/>: the heatmap's peak as a positive point beside its box.</summary>
public sealed class SamPeakPointTests
{
    private static readonly CategoryInfo[] Categories = [new(1, "cat"), new(2, "dog")];

    /// <summary>
    /// A CLIPSeg-like heatmap: 140 over <c>[x, x+w) x [y, y+h)</c> rising by 3 per column to the right, so the peak is
    /// the top-right pixel of the rectangle (every row ties; the first in row-major order wins), far from the centroid;
    /// plus a brighter (255) 2x2 speck elsewhere that is not the largest component.
    /// </summary>
    private static Func<Tensor, Tensor> Heatmap(int x, int y, int w, int h) => image =>
    {
        Tensor m = zeros(image.shape[1], image.shape[2], ScalarType.Byte);
        Tensor ramp = arange(w, ScalarType.Int32).mul(3).add(140).clamp(0, 250).to(ScalarType.Byte);
        m.narrow(0, y, h).narrow(1, x, w).copy_(ramp.view(1, w).expand(h, w));
        m.narrow(0, image.shape[1] - 3, 2).narrow(1, image.shape[2] - 3, 2).fill_(255);
        return m;
    };

    private static FakeExtractor HeatmapSource() => new("clipseg", image => image.shape[1] == 37
        ? Heatmap(6, 4, 33, 27)(image)
        : Heatmap(5, 12, 36, 55)(image));

    private static Tensor[] RawImages(Dictionary<string, Tensor> expected) =>
        [expected["raw_image_0"].permute(2, 0, 1).contiguous(), expected["raw_image_1"].permute(2, 0, 1).contiguous()];

    [Fact]
    public void The_peak_is_the_highest_value_of_the_largest_component_first_in_row_major_order()
    {
        using var scope = NewDisposeScope();
        Tensor image = zeros(3, 40, 60, ScalarType.Byte);
        SamPrompt prompt = SamPrompt.FromMask(Heatmap(10, 5, 30, 20)(image), 127);
        Assert.Equal((10.0, 5.0, 39.0, 24.0), (prompt.X1, prompt.Y1, prompt.X2, prompt.Y2));
        // The ramp is highest (140 + 3 * 29 = 227) in the rightmost column, 39; every row ties and the top one wins.
        Assert.Equal((39.0, 5.0), (prompt.PeakX, prompt.PeakY));
        Assert.Equal((24.5, 14.5), (prompt.CentroidX, prompt.CentroidY));

        // A single brightest pixel inside the component is the peak; the brighter speck outside it is not.
        Tensor map = Heatmap(10, 5, 30, 20)(image);
        map[12, 17] = tensor((byte)251);
        SamPrompt single = SamPrompt.FromMask(map, 127);
        Assert.Equal((17.0, 12.0), (single.PeakX, single.PeakY));
    }

    [Fact]
    public void The_peak_point_is_given_with_the_box_exactly_as_a_direct_forward_and_changes_the_mask()
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> expected = SamFixture.Expected();
        Tensor[] images = RawImages(expected);
        var processor = SamProcessor.FromFolder(SamFixture.Folder);
        using var boxOnly = new SamExtractor(SamModel.FromPretrained(SamFixture.Folder), HeatmapSource(), processor, ownsModel: true);
        using var withPeak = new SamExtractor(SamModel.FromPretrained(SamFixture.Folder), HeatmapSource(), processor,
            new SamExtractorOptions { UsePeakPoint = true }, ownsModel: true);
        IReadOnlyList<Tensor> a = boxOnly.Extract(images, Categories);
        IReadOnlyList<Tensor> b = withPeak.Extract(images, Categories);

        // The same prompts by hand: the rectangles' inclusive boxes and their top-right corners as positive points.
        (double, double, double, double)[] boxes = [(6, 4, 38, 30), (5, 12, 40, 66)];
        (double, double)[] peaks = [(38, 4), (40, 12)];
        using SamModel model = SamModel.FromPretrained(SamFixture.Folder);
        using SamImageBatch batch = processor.Preprocess(images);
        float[] boxValues = [.. boxes.Select((box, i) => processor.ScaleBox(box, batch.OriginalSizes[i])).SelectMany(s => new[] { (float)s.X1, (float)s.Y1, (float)s.X2, (float)s.Y2 })];
        float[] pointValues = [.. peaks.Select((p, i) => processor.ScalePoint(p.Item1, p.Item2, batch.OriginalSizes[i])).SelectMany(s => new[] { (float)s.X, (float)s.Y })];
        using SamOutput output = model.forward(batch.PixelValues, tensor(pointValues).view(2, 1, 1, 2), ones(2, 1, 1, ScalarType.Int64),
            tensor(boxValues).view(2, 1, 4), null, multimaskOutput: true);
        for (int i = 0; i < 2; i++)
        {
            long k = output.IouScores[i, 0].argmax().item<long>();
            Tensor reference = processor.PostProcessMasks(output.PredMasks[i, 0, k].view(1, 1, output.PredMasks.shape[3], output.PredMasks.shape[4]),
                batch.OriginalSizes[i], batch.ReshapedInputSizes[i]).view(images[i].shape[1], images[i].shape[2]).to(ScalarType.Byte).mul(255);
            Assert.True(Same(b[i], reference), $"image {i}: the peak-prompted mask is not the direct forward's");
        }

        Assert.True(a.Zip(b).Sum(p => p.First.ne(p.Second).sum().item<long>()) > 10, "the peak point changed nothing");
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && !a.ne(b).any().item<bool>();
}
