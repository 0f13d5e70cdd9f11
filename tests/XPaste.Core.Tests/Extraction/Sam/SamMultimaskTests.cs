using XPaste.Abstractions;
using XPaste.Extraction;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction.Sam;

/// <summary><see cref="SamMaskChoice.All"/>: the three multimask outputs as the candidates <c>sam-0</c>, <c>sam-1</c>, <c>sam-2</c>.</summary>
public sealed class SamMultimaskTests
{
    private static readonly CategoryInfo[] Categories = [new(1, "cat"), new(2, "dog")];

    /// <summary>Masks whose tight boxes are the fixture's 'box' prompts ([6,4,38,30] and [5,12,40,66], corners inclusive).</summary>
    private static FakeExtractor BoxSource() => new("u2netp", image => image.shape[1] == 37
        ? FakeExtractor.Rectangle(6, 4, 33, 27)(image)
        : FakeExtractor.Rectangle(5, 12, 36, 55)(image));

    private static Tensor[] RawImages(Dictionary<string, Tensor> expected) =>
        [expected["raw_image_0"].permute(2, 0, 1).contiguous(), expected["raw_image_1"].permute(2, 0, 1).contiguous()];

    private static readonly SamExtractorOptions All = new() { MaskChoice = SamMaskChoice.All };

    [Fact]
    public void The_three_candidates_share_one_encoder_and_decoder_run_per_image()
    {
        using var scope = NewDisposeScope();
        Tensor[] images = RawImages(SamFixture.Expected());
        SamModel model = SamModel.FromPretrained(SamFixture.Folder);
        FakeExtractor source = BoxSource();
        using var extractor = new SamExtractor(model, source, SamProcessor.FromFolder(SamFixture.Folder), All, ownsModel: true);
        Assert.Equal(["sam-0", "sam-1", "sam-2"], extractor.Candidates.Select(c => c.Name));

        var masks = extractor.Candidates.Select(c => c.Extract(images, Categories)).ToList();
        Assert.Equal(2, model.ImagesEncoded);
        Assert.Equal(2, model.ImagesDecoded);
        Assert.Equal(1, source.Calls);
        Assert.All(masks, m => Assert.Equal(2, m.Count));
        // Distinct outputs (the fixture's three masks differ), not one mask handed out three times.
        Assert.True(masks[0][0].ne(masks[1][0]).any().item<bool>() || masks[1][0].ne(masks[2][0]).any().item<bool>());

        // A candidate asking again (the next batch) runs SAM again: nothing stale is served.
        IReadOnlyList<Tensor> again = extractor.Candidates[1].Extract(images, Categories);
        Assert.Equal(4, model.ImagesEncoded);
        Assert.Equal(2, source.Calls);
        Assert.True(Same(again[0], masks[1][0]));
        // Other images (the second alone) are not served from the cache either.
        IReadOnlyList<Tensor> other = extractor.Candidates[0].Extract([images[1]], [Categories[1]]);
        Assert.Equal(5, model.ImagesEncoded);
        Assert.Equal(masks[0][1].shape, other[0].shape);
    }

    [Fact]
    public void Each_candidate_is_its_multimask_output_post_processed_and_the_default_is_the_highest_iou()
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> expected = SamFixture.Expected();
        Tensor[] images = RawImages(expected);
        using var extractor = new SamExtractor(SamModel.FromPretrained(SamFixture.Folder), BoxSource(), SamProcessor.FromFolder(SamFixture.Folder), All, ownsModel: true);
        var masks = extractor.Candidates.Select(c => c.Extract(images, Categories)).ToList();
        IReadOnlyList<Tensor> best = extractor.Extract(images, Categories);
        for (int i = 0; i < 2; i++)
        {
            Tensor tolerance = expected[$"box_multi_masks_{i}"].abs() <= SamFixture.Tolerances[$"box_multi_masks_{i}"];
            for (int k = 0; k < 3; k++)
            {
                Tensor reference = expected[$"box_multi_binary_masks_{i}"][0, k];
                Assert.Equal(reference.shape, masks[k][i].shape);
                Assert.True(masks[k][i].eq(0).logical_or(masks[k][i].eq(255)).all().item<bool>());
                Tensor differs = (masks[k][i] > 127).logical_xor(reference.to(ScalarType.Bool));
                Assert.False(differs.logical_and(tolerance[0, k].logical_not()).any().item<bool>(), $"image {i}, output {k} differs from the reference away from 0");
            }

            // Extract itself still gives the highest-IoU output.
            int argmax = (int)expected["box_multi_iou_scores"][i, 0].argmax().item<long>();
            Assert.True(Same(best[i], masks[argmax][i]), $"image {i}: Extract is not output {argmax}");
        }
    }

    [Fact]
    public void The_selector_scores_the_three_outputs_as_candidates_under_their_names()
    {
        using var scope = NewDisposeScope();
        Tensor[] images = RawImages(SamFixture.Expected());
        using var extractor = new SamExtractor(SamModel.FromPretrained(SamFixture.Folder), BoxSource(), SamProcessor.FromFolder(SamFixture.Folder), All, ownsModel: true);
        var selector = new InstanceSelector([BoxSource(), .. extractor.Candidates], new FakeFilter(minScore: 0),
            new InstanceSelectorOptions { PostProcessing = new InstancePostProcessorOptions { MinArea = 0, MaxArea = 1 } });
        IReadOnlyList<InstanceSelection> selections = selector.Select(images, Categories);
        Assert.All(selections, s => Assert.Equal(["sam-0", "sam-1", "sam-2", "u2netp"], s.Scores.Keys.Order(StringComparer.Ordinal)));
        foreach (InstanceSelection s in selections)
        {
            s.Dispose();
        }
    }

    [Fact]
    public void Default_options_give_the_extractor_itself_as_the_only_candidate_and_an_undefined_choice_is_refused()
    {
        using var extractor = new SamExtractor(SamModel.FromPretrained(SamFixture.Folder), BoxSource(), SamProcessor.FromFolder(SamFixture.Folder), ownsModel: true);
        Assert.Same(extractor, Assert.Single(extractor.Candidates));
        using SamModel model = SamModel.FromPretrained(SamFixture.Folder);
        var e = Assert.ThrowsAny<Exception>(() => new SamExtractor(model, BoxSource(), SamProcessor.FromFolder(SamFixture.Folder), new SamExtractorOptions { MaskChoice = (SamMaskChoice)7 }));
        Assert.Contains("MaskChoice", e.Message, StringComparison.Ordinal);
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && !a.ne(b).any().item<bool>();
}
