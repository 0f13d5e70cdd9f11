using XPaste.Augment;
using static TorchSharp.torch;

namespace XPaste.Tests.Output;

/// <summary>The preview shows each augmented image beside its original, with outlines (not fills), boxes and labels.</summary>
public sealed class PreviewMosaicTests
{
    private static XPasteAugmenter Augmenter(IAnnotatedImageSource dataset, IPasteInstancePool pool) =>
        XPastePipeline.CreateBuilder()
            .UseDataset(dataset)
            .UseInstancePool(pool)
            .Configure(o =>
            {
                o.Seed = 3;
                o.Policy = PastePolicyKind.XPaste;
                o.Jitter.OutputWidth = 160;
                o.Jitter.OutputHeight = 128;
            })
            .Build();

    [Fact]
    public void Each_sample_sits_beside_its_original()
    {
        using var scope = NewDisposeScope();
        using InMemoryImageSource dataset = SyntheticData.Dataset(5);
        using InMemoryInstancePool pool = SyntheticData.Pool(5);
        XPasteAugmenter augmenter = Augmenter(dataset, pool);
        using AugmentedBatch batch = augmenter.Augment([0, 1, 2, 3, 4], 0);
        using AugmentedBatch originals = augmenter.Replay([.. batch.Plans.Select(p => p with { Steps = [] })]);
        Assert.All(originals.Targets, t => Assert.False(t.IsPasted.any().item<bool>()));

        Tensor mosaic = PreviewMosaic.Draw(batch, originals, new PreviewMosaicOptions { Columns = 4, TileSize = 80 });
        // Pairs of 80x64 tiles (original, 4 px, augmented), 2 pairs per row, 3 rows, 12 px between pairs.
        Assert.Equal(new long[] { 3, (3 * 64) + (2 * 12), (2 * ((2 * 80) + 4)) + 12 }, mosaic.shape);
        // The left tile of the first pair is the original image (outside its caption and outlines): the same pixels as
        // the original batch's first image scaled to 80x64 wherever the original has no object.
        Tensor left = mosaic.narrow(1, 16, 48).narrow(2, 0, 80);
        Assert.True(left.to(ScalarType.Float32).std().item<float>() > 1, "the original tile should hold the image");
    }

    [Fact]
    public void Objects_are_outlined_not_filled()
    {
        using var scope = NewDisposeScope();
        using InMemoryImageSource dataset = SyntheticData.Dataset(4);
        using InMemoryInstancePool pool = SyntheticData.Pool(6);
        XPasteAugmenter augmenter = Augmenter(dataset, pool);
        using AugmentedBatch batch = augmenter.Augment([0, 1, 2, 3], 0);
        // Tiles as large as the images: no scaling, so tile pixels compare with image pixels one to one.
        Tensor mosaic = PreviewMosaic.Draw(batch, null, new PreviewMosaicOptions { Columns = 4, TileSize = 160, MaxImages = 1 });
        Tensor image = batch.Images[0];
        PasteTargets targets = batch.Targets[0];
        Assert.True(targets.Count > 0);
        // Mask interiors (3 px away from any mask edge) keep the image's own pixels: at most the labels cover some.
        Tensor set = targets.Masks.to(ScalarType.Float32).unsqueeze(1);
        Tensor interior = nn.functional.max_pool2d(1 - set, 7, 1, 3).lt(0.5).squeeze(1).any(0);
        Tensor same = mosaic.eq(image).all(0);
        long inside = interior.sum().item<long>();
        Assert.True(inside > 100, "the sample should have sizable objects");
        double kept = (double)same.logical_and(interior).sum().item<long>() / inside;
        Assert.True(kept > 0.8, $"only {kept:P0} of mask interiors keep the image's pixels: masks are filled, not outlined");
        // And the outlines are there: mask edge pixels are painted.
        Tensor edge = set.gt(0.5).logical_and(nn.functional.max_pool2d(1 - set, 3, 1, 1).gt(0)).squeeze(1).any(0);
        double painted = (double)same.logical_not().logical_and(edge).sum().item<long>() / edge.sum().item<long>();
        Assert.True(painted > 0.5, $"only {painted:P0} of mask edges are drawn");
    }

    [Fact]
    public void Labels_use_the_category_names()
    {
        using var scope = NewDisposeScope();
        using InMemoryImageSource dataset = SyntheticData.Dataset(2);
        using InMemoryInstancePool pool = SyntheticData.Pool(4);
        using AugmentedBatch batch = Augmenter(dataset, pool).Augment([0, 1], 0);
        var options = new PreviewMosaicOptions { TileSize = 160 };
        Tensor byId = PreviewMosaic.Draw(batch, null, options);
        var names = Enumerable.Range(0, 100).ToDictionary(i => i, i => $"name{i}");
        Tensor byName = PreviewMosaic.Draw(batch, null, new PreviewMosaicOptions { TileSize = 160, CategoryNames = names });
        Assert.False(byId.shape.SequenceEqual(byName.shape) && byId.eq(byName).all().item<bool>(), "named labels should differ from id labels");
    }

    [Fact]
    public void The_font_has_every_glyph_complete()
    {
        Tensor a = PreviewFont.Render("a", 1);
        Assert.Equal(new long[] { 7, 5 }, a.shape);
        // 'A': a closed top, a bar on row 4, open bottom corners between the legs.
        Assert.Equal([false, true, true, true, false], a[0].data<bool>().ToArray());
        Assert.Equal([true, true, true, true, true], a[3].data<bool>().ToArray());
        Assert.Equal(new long[] { 14, ((3 * 6) - 1) * 2 }, PreviewFont.Render("cup", 2).shape);
        Assert.Equal(PreviewFont.Render("?", 1).data<bool>().ToArray(), PreviewFont.Render("§", 1).data<bool>().ToArray());
        foreach (char c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.+,?")
        {
            Assert.Equal(7 * 5, PreviewFont.Render(c.ToString(), 1).data<bool>().Count);
        }
    }

    [Theory]
    [InlineData(10, 5)]   // a box at the top left: its label would go just inside, over the caption
    [InlineData(60, 30)]  // above the box, still inside the caption's rows
    public void Object_labels_keep_out_of_the_caption(long x, long y)
    {
        // A 320x320 tile, a 20 px high caption 150 px wide at the top left, a 20x60 label.
        (long top, long left) = PreviewMosaic.LabelPlace(x, y, th: 20, tw: 60, h: 320, w: 320, below: false, keepOut: (20, 150));
        Assert.True(top >= 20, $"label at top {top} covers the caption");
        Assert.Equal(x, left);
    }

    [Fact]
    public void Labels_away_from_the_caption_stay_above_their_box()
    {
        Assert.Equal((180L, 200L), PreviewMosaic.LabelPlace(200, 200, th: 20, tw: 60, h: 320, w: 320, below: false, keepOut: (20, 150)));
        Assert.Equal((30L, 200L), PreviewMosaic.LabelPlace(200, 50, th: 20, tw: 60, h: 320, w: 320, below: false, keepOut: (20, 150)));
    }
}
