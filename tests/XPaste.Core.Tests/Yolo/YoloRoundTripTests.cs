using XPaste.Coco;
using XPaste.Masks;
using XPaste.Yolo;

namespace XPaste.Tests.Yolo;

/// <summary>
/// COCO to YOLO to COCO on the bundled dataset (coins: polygons, compressed and uncompressed RLEs; a horse): boxes come
/// back within 1e-6 of the image size, masks with IoU at least 0.99; crowd regions are left out.
/// </summary>
public sealed class YoloRoundTripTests
{
    /// <summary>The bundled dataset's images whose files the test copy holds (1 and 2) with their annotations.</summary>
    private static CocoDataset Bundled()
    {
        CocoDataset all = CocoDataset.Load(TestFiles.Data("bundled", "instances.json"));
        return new CocoDataset
        {
            Images = [.. all.Images.Where(i => i.Id is 1 or 2)],
            Annotations = [.. all.Annotations.Where(a => a.ImageId is 1 or 2)],
            Categories = all.Categories,
            SourceName = all.SourceName,
        };
    }

    private static IEnumerable<(CocoImage Image, CocoAnnotation Annotation)> Objects(CocoDataset d) =>
        d.Images.SelectMany(i => d.GetAnnotations(i.Id).Where(a => !a.Crowd).Select(a => (i, a)));

    [Fact]
    public void Detect_round_trip_keeps_every_box_within_1e_6_normalised()
    {
        using var temp = new TempFolder();
        CocoDataset original = Bundled();
        int lines = YoloWriter.Write(original, TestFiles.Data("bundled", "images"), temp.Path);
        YoloDataset yolo = YoloDataset.Load(temp.Path);
        Assert.Equal(19, lines);
        Assert.Equal(["coin", "horse"], yolo.Names);
        Assert.True(yolo.IsBoxOnly);
        CocoDataset back = yolo.ToCoco(temp.File("images"));
        var before = Objects(original).ToList();
        var after = Objects(back).ToList();
        Assert.Equal(before.Count, after.Count);
        for (int k = 0; k < before.Count; k++)
        {
            (CocoImage image, CocoAnnotation a) = before[k];
            CocoAnnotation b = after[k].Annotation;
            Assert.Equal(a.CategoryId, b.CategoryId);
            Assert.Null(b.Segmentation);
            CocoBox x = a.Bbox!.Value, y = b.Bbox!.Value;
            Assert.InRange(Math.Abs((x.X - y.X) / image.Width), 0, 1e-6);
            Assert.InRange(Math.Abs((x.Y - y.Y) / image.Height), 0, 1e-6);
            Assert.InRange(Math.Abs((x.Width - y.Width) / image.Width), 0, 1e-6);
            Assert.InRange(Math.Abs((x.Height - y.Height) / image.Height), 0, 1e-6);
        }
    }

    [Fact]
    public void Segment_round_trip_keeps_every_mask_with_iou_at_least_0_99()
    {
        using var temp = new TempFolder();
        CocoDataset original = Bundled();
        YoloWriter.Write(original, TestFiles.Data("bundled", "images"), temp.Path, new YoloWriteOptions { Task = YoloTask.Segment });
        YoloDataset yolo = YoloDataset.Load(temp.File("data.yaml"));
        Assert.False(yolo.IsBoxOnly);
        CocoDataset back = yolo.ToCoco(temp.File("images"));
        var before = Objects(original).ToList();
        var after = Objects(back).ToList();
        Assert.Equal(before.Count, after.Count);
        Assert.Contains(before, o => o.Annotation.Segmentation!.Kind == CocoSegmentationKind.CompressedRle);
        Assert.Contains(before, o => o.Annotation.Segmentation!.Kind == CocoSegmentationKind.Polygons);
        for (int k = 0; k < before.Count; k++)
        {
            double iou = Rle.Iou(back.DecodeMask(after[k].Annotation), original.DecodeMask(before[k].Annotation));
            Assert.True(iou >= 0.99, $"annotation {before[k].Annotation.Id}: IoU {iou}");
        }
    }

    [Fact]
    public void Yolo_files_are_written_with_six_decimals_and_a_names_map()
    {
        using var temp = new TempFolder();
        YoloWriter.Write(Bundled(), TestFiles.Data("bundled", "images"), temp.Path);
        string line = File.ReadLines(temp.File("labels", "horse.txt")).Single();
        Assert.Matches(@"^1( [01]\.[0-9]{6}){4}$", line);
        Assert.Contains("  0: 'coin'\n  1: 'horse'\n", File.ReadAllText(temp.File("data.yaml")), StringComparison.Ordinal);
        Assert.True(File.Exists(temp.File("images", "coins.png")));
    }
}
