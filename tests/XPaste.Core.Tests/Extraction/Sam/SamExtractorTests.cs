using XPaste.Abstractions;
using XPaste.Extraction;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction.Sam;

public sealed class SamExtractorTests
{
    private static readonly CategoryInfo[] Categories = [new(1, "cat"), new(2, "dog")];

    /// <summary>Masks whose tight boxes are the fixture's 'box' prompts ([6,4,38,30] and [5,12,40,66], corners inclusive).</summary>
    private static FakeExtractor BoxSource() => new("u2netp", image => image.shape[1] == 37
        ? FakeExtractor.Rectangle(6, 4, 33, 27)(image)
        : FakeExtractor.Rectangle(5, 12, 36, 55)(image));

    private static Tensor[] RawImages(Dictionary<string, Tensor> expected) =>
        [expected["raw_image_0"].permute(2, 0, 1).contiguous(), expected["raw_image_1"].permute(2, 0, 1).contiguous()];

    private static SamExtractor Extractor(IInstanceExtractor source, SamExtractorOptions? options = null) =>
        new(SamModel.FromPretrained(SamFixture.Folder), source, SamProcessor.FromFolder(SamFixture.Folder), options, ownsModel: true);

    [Fact]
    public void Box_prompt_from_the_source_mask_keeps_the_reference_mask_with_the_highest_iou()
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> expected = SamFixture.Expected();
        using SamExtractor extractor = Extractor(BoxSource());
        Assert.Equal("sam", extractor.Name);
        IReadOnlyList<Tensor> masks = extractor.Extract(RawImages(expected), Categories);
        for (int i = 0; i < 2; i++)
        {
            int best = (int)expected["box_multi_iou_scores"][i, 0].argmax().item<long>();
            Tensor reference = expected[$"box_multi_binary_masks_{i}"][0, best];
            Tensor logits = expected[$"box_multi_masks_{i}"][0, best];
            Assert.Equal(ScalarType.Byte, masks[i].dtype);
            Assert.Equal(reference.shape, masks[i].shape);
            Assert.True(masks[i].eq(0).logical_or(masks[i].eq(255)).all().item<bool>());
            Tensor differs = (masks[i] > 127).logical_xor(reference.to(ScalarType.Bool));
            Tensor nearZero = logits.abs() <= SamFixture.Tolerances[$"box_multi_masks_{i}"];
            Assert.False(differs.logical_and(nearZero.logical_not()).any().item<bool>(), $"image {i}: the refined mask differs from the reference away from 0");
            // The refined mask is not the prompt rectangle itself.
            Assert.True(masks[i].sum().item<long>() > 0);
        }

        foreach (Tensor m in masks)
        {
            m.Dispose();
        }
    }

    [Fact]
    public void Batch_size_does_not_change_the_masks_and_the_centroid_point_does()
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> expected = SamFixture.Expected();
        Tensor[] images = RawImages(expected);
        using SamExtractor together = Extractor(BoxSource());
        using SamExtractor oneByOne = Extractor(BoxSource(), new SamExtractorOptions { BatchSize = 1 });
        using SamExtractor withPoint = Extractor(BoxSource(), new SamExtractorOptions { UseCentroidPoint = true });
        IReadOnlyList<Tensor> a = together.Extract(images, Categories);
        IReadOnlyList<Tensor> b = oneByOne.Extract(images, Categories);
        IReadOnlyList<Tensor> c = withPoint.Extract(images, Categories);
        for (int i = 0; i < 2; i++)
        {
            // At most a pixel or two whose logit is within rounding of 0 may flip between batch layouts.
            Assert.True(a[i].ne(b[i]).sum().item<long>() <= 2);
        }

        Assert.True(a.Zip(c).Sum(p => p.First.ne(p.Second).sum().item<long>()) > 10);
    }

    [Fact]
    public void An_empty_prompt_mask_gives_an_empty_mask_and_the_categories_reach_the_source()
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> expected = SamFixture.Expected();
        var source = new FakeExtractor("plain", image => zeros(image.shape[1], image.shape[2], ScalarType.Byte));
        using SamExtractor extractor = Extractor(source);
        IReadOnlyList<Tensor> masks = extractor.Extract(RawImages(expected), Categories);
        Assert.Equal(1, source.Calls);
        Assert.All(masks, m => Assert.Equal(0L, m.sum().item<long>()));
        Assert.Throws<ArgumentException>(() => extractor.Extract(RawImages(expected), [Categories[0]]));
    }
}
