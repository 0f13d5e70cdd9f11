using XPaste.Augment;
using XPaste.Coco;
using XPaste.Tests.Kernel;
using static TorchSharp.torch;

namespace XPaste.Tests.Datasets;

public sealed class CocoImageSourceTests
{
    [Fact]
    public void Loads_pixels_and_decoded_masks_leaving_crowds_out()
    {
        using var scope = NewDisposeScope();
        CocoImageSource source = BundledData.Source();
        Assert.Equal(["1", "2"], source.Images.Select(i => i.Id));
        Assert.Equal(new AnnotatedImageInfo("1", 384, 303, 18), source.Images[0]);
        using AnnotatedImage coins = source.Load(0);
        Assert.Equal(new long[] { 3, 303, 384 }, coins.Image.shape);
        Assert.Equal(new long[] { 18, 303, 384 }, coins.Masks.shape);
        Assert.All(coins.Labels, l => Assert.Equal(1L, l));

        // Every mask's area is the annotation's (the bundled file stores the decoded pixel count).
        CocoDataset dataset = source.Dataset;
        double[] expected = [.. dataset.GetAnnotations(1).Where(a => !a.Crowd).Select(a => a.Area!.Value)];
        Assert.Equal(expected, T.ToLongs(coins.Masks.sum([1, 2])).Select(a => (double)a));
    }

    [Fact]
    public void Crowds_can_be_kept()
    {
        CocoImageSource source = BundledData.Source(new CocoImageSourceOptions { SkipCrowd = false });
        Assert.Equal(19, source.Images[0].ObjectCount);
        using AnnotatedImage coins = source.Load(0);
        Assert.Equal(19, coins.Labels.Count);
    }
}
