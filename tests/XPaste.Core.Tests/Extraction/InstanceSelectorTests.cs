using XPaste.Abstractions;
using XPaste.Extraction;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction;

public sealed class InstanceSelectorTests
{
    private static readonly CategoryInfo Cat = new(1, "cat");
    private static readonly CategoryInfo Dog = new(2, "dog");

    // On a 40x50 image: small = 0.1 of the area, big = 0.5, full = 1.0 (fails the 0.95 area bound).
    private static readonly FakeExtractor Small = new("small", FakeExtractor.Rectangle(0, 0, 10, 20));
    private static readonly FakeExtractor Big = new("big", FakeExtractor.Rectangle(5, 0, 25, 40));
    private static readonly FakeExtractor Full = new("full", FakeExtractor.Rectangle(0, 0, 50, 40));

    private static Tensor Image(int seed) => randint(0, 200, new long[] { 3, 40, 50 }, generator: new Generator((ulong)seed)).to(ScalarType.Byte);

    [Fact]
    public async Task The_best_scoring_mask_wins_on_its_white_background_view()
    {
        var filter = new FakeFilter();
        var selector = new InstanceSelector([Small, Big], filter);
        Tensor image = Image(1);
        IReadOnlyList<InstanceSelection> result = selector.Select([image], [Cat]);
        using InstanceSelection selection = result[0];

        Assert.Equal("big", selection.Extractor);
        Assert.Equal(50f, selection.Score!.Value, 3);
        Assert.True(selection.Cutout.IsAccepted);
        Assert.Equal((5, 0, 25, 40), (selection.Cutout.X, selection.Cutout.Y, selection.Cutout.Width, selection.Cutout.Height));
        Assert.True(selection.Cutout.Rgba!.narrow(0, 0, 3).Equals(image.narrow(2, 5, 25)));
        Assert.Equal([(Cat, 2)], filter.ScoreCalls);
        image.Dispose();
    }

    [Fact]
    public async Task A_winner_that_fails_the_area_test_drops_the_image_unless_next_best_is_allowed()
    {
        Tensor image = Image(2);
        var reference = new InstanceSelector([Small, Big, Full], new FakeFilter());
        using (InstanceSelection dropped = (reference.Select([image], [Cat]))[0])
        {
            Assert.Equal("full", dropped.Extractor);
            Assert.Equal(100f, dropped.Score!.Value, 3);
            Assert.Equal(CutoutRejection.TooLarge, dropped.Cutout.Rejection);
            Assert.Null(dropped.Cutout.Rgba);
        }

        var lenient = new InstanceSelector([Small, Big, Full], new FakeFilter(), new() { TryNextBest = true });
        using (InstanceSelection nextBest = (lenient.Select([image], [Cat]))[0])
        {
            Assert.Equal("big", nextBest.Extractor);
            Assert.Equal(50f, nextBest.Score!.Value, 3);
            Assert.True(nextBest.Cutout.IsAccepted);
        }

        image.Dispose();
    }

    [Fact]
    public async Task Without_a_filter_the_first_extractor_whose_mask_passes_wins()
    {
        Tensor image = Image(3);
        var selector = new InstanceSelector([Full, Small, Big]);
        using InstanceSelection selection = (selector.Select([image], [Cat]))[0];
        Assert.Equal("small", selection.Extractor);
        Assert.Null(selection.Score);
        Assert.Equal(0.1, selection.Cutout.AreaFraction, 9);
        image.Dispose();
    }

    [Fact]
    public async Task Each_category_in_a_batch_is_scored_with_its_own_call_and_ties_keep_the_extractor_order()
    {
        var twin = new FakeExtractor("twin", FakeExtractor.Rectangle(0, 0, 10, 20));
        var filter = new FakeFilter();
        var selector = new InstanceSelector([Small, twin], filter);
        Tensor[] images = [Image(4), Image(5), Image(6)];
        IReadOnlyList<InstanceSelection> result = selector.Select(images, [Cat, Dog, Cat]);
        Assert.Equal([(Cat, 4), (Dog, 2)], filter.ScoreCalls);
        Assert.All(result, s => Assert.Equal("small", s.Extractor));
        foreach (InstanceSelection s in result)
        {
            s.Dispose();
        }

        foreach (Tensor image in images)
        {
            image.Dispose();
        }
    }

    [Fact]
    public async Task A_mask_given_with_the_image_competes_as_the_annotation()
    {
        Tensor image = Image(7);
        using Tensor given = FakeExtractor.Rectangle(0, 0, 40, 40)(image);
        var selector = new InstanceSelector([Small], new FakeFilter());
        using InstanceSelection selection = (selector.Select([image], [Cat], [given]))[0];
        Assert.Equal(InstanceSelector.SourceMaskName, selection.Extractor);
        Assert.Equal(80f, selection.Score!.Value, 3);
        // The caller's mask is still usable: the selector disposed only its own handle.
        Assert.Equal(1600, given.gt(0).sum().item<long>());
        image.Dispose();
    }

    [Fact]
    public void Extractors_need_distinct_names()
    {
        Assert.Throws<ArgumentException>(() => new InstanceSelector([Small, new FakeExtractor("small", FakeExtractor.Rectangle(0, 0, 1, 1))]));
        Assert.Throws<ArgumentException>(() => new InstanceSelector([Small, null!]));
    }
}
