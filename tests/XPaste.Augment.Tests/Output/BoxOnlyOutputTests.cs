using XPaste.Augment;
using XPaste.Coco;
using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Tests.Output;

/// <summary>
/// A box-only COCO dataset (the bundled coins and horse without their segmentations) as destinations: its surviving
/// objects are written as boxes (no segmentation), pasted objects with exact masks and tight boxes; keeping boxes
/// writes the boxes as they were before pasting.
/// </summary>
public sealed class BoxOnlyOutputTests
{
    private static CocoImageSource BoxOnlySource()
    {
        CocoDataset all = CocoDataset.Load(BundledData.Annotations);
        var boxOnly = new CocoDataset
        {
            Images = [.. all.Images.Where(i => i.Id is 1 or 2)],
            Annotations = [.. all.Annotations.Where(a => a.ImageId is 1 or 2).Select(a => a with { Segmentation = null })],
            Categories = all.Categories,
        };
        return new CocoImageSource(boxOnly, BundledData.Images);
    }

    private static CocoDataset Write(string folder, bool keepBoxes)
    {
        using var scope = NewDisposeScope();
        CocoImageSource source = BoxOnlySource();
        Assert.All(source.Images, i => Assert.True(i.IsBoxOnly(0)));
        using InMemoryInstancePool pool = SyntheticData.Pool(12, categories: 2, minSide: 40, maxSide: 120);
        XPasteAugmenter augmenter = XPastePipeline.CreateBuilder()
            .UseDataset(source)
            .UseInstancePool(pool)
            .Configure(o =>
            {
                o.Seed = 4;
                o.Jitter.OutputWidth = 256;
                o.Jitter.OutputHeight = 256;
            })
            .Build();
        using AugmentedBatch batch = augmenter.Augment([0, 1, 0, 1], 0);
        var writer = new CocoPasteWriter(folder, source.Dataset.Categories, new CocoPasteWriterOptions { KeepBoxOnlyBoxes = keepBoxes, WritePlans = false }) { Destinations = source };
        writer.Add(batch);
        return writer.Save();
    }

    [Fact]
    public void Existing_objects_stay_boxes_and_pasted_objects_carry_masks_and_tight_boxes()
    {
        using var temp = new TempFolder();
        CocoDataset written = Write(temp.Path, keepBoxes: false);
        List<CocoAnnotation> existing = [.. written.Annotations.Where(a => !a.ExtensionData!["is_pasted"].GetBoolean())];
        List<CocoAnnotation> pasted = [.. written.Annotations.Where(a => a.ExtensionData!["is_pasted"].GetBoolean())];
        Assert.NotEmpty(existing);
        Assert.NotEmpty(pasted);
        Assert.All(existing, a =>
        {
            Assert.Null(a.Segmentation);
            Assert.Equal(a.Bbox!.Value.Area, a.Area);
        });
        Assert.All(pasted, a =>
        {
            Rle mask = written.DecodeMask(a);
            Assert.Equal(mask.BoundingBox, a.Bbox);
            Assert.Equal(mask.Area, a.Area);
        });
    }

    [Fact]
    public void Keeping_boxes_writes_each_box_as_it_was_before_pasting()
    {
        using var temp = new TempFolder();
        CocoDataset shrunk = Write(temp.File("shrunk"), keepBoxes: false);
        CocoDataset kept = Write(temp.File("kept"), keepBoxes: true);
        Assert.Equal(shrunk.Annotations.Count, kept.Annotations.Count);
        int changed = 0;
        for (int k = 0; k < shrunk.Annotations.Count; k++)
        {
            CocoAnnotation s = shrunk.Annotations[k], c = kept.Annotations[k];
            if (s.Segmentation is not null)
            {
                Assert.Equal(s.Bbox, c.Bbox);
                continue;
            }

            // The kept box contains the shrunk one.
            CocoBox a = s.Bbox!.Value, b = c.Bbox!.Value;
            Assert.True(b.X <= a.X && b.Y <= a.Y && b.Right >= a.Right && b.Bottom >= a.Bottom, $"{b} does not contain {a}");
            changed += a == b ? 0 : 1;
        }

        Assert.True(changed > 0, "no box was shrunk by a paste: the test pastes too little");
    }
}
