using XPaste.Augment;
using XPaste.Coco;
using XPaste.Masks;
using XPaste.Yolo;
using static TorchSharp.torch;

namespace XPaste.Tests.Output;

/// <summary>
/// YOLO outputs of <see cref="AugmentRun"/>: the same seed writes the same images and objects in every format, the
/// segment labels rasterise to the run's COCO masks (IoU at least 0.95 per object) and the detect labels are its boxes.
/// </summary>
public sealed class YoloOutputTests : IDisposable
{
    private readonly InMemoryImageSource _images = SyntheticData.Dataset(4, minSide: 96, maxSide: 160);
    private readonly InMemoryInstancePool _pool = SyntheticData.Pool(10, minSide: 24, maxSide: 64);
    private readonly CocoCategory[] _categories = [.. Enumerable.Range(1, 5).Select(i => new CocoCategory { Id = i, Name = $"c{i}" })];
    private readonly TempFolder _temp = new();

    public void Dispose()
    {
        _images.Dispose();
        _pool.Dispose();
        _temp.Dispose();
    }

    private string Run(AugmentLabelFormat format, bool holes = false)
    {
        string folder = _temp.File($"{format}{(holes ? "-holes" : "")}");
        XPasteAugmenter augmenter = XPastePipeline.CreateBuilder()
            .UseDataset(_images)
            .UseInstancePool(_pool)
            .Configure(o =>
            {
                o.Seed = 11;
                o.BatchSize = 3;
                o.Jitter.OutputWidth = 160;
                o.Jitter.OutputHeight = 128;
            })
            .Build();
        new AugmentRun(augmenter, _categories, folder, new AugmentRunOptions
        {
            Count = 6,
            WritePreview = false,
            Writer = new CocoPasteWriterOptions { Format = AugmentedImageFormat.Png, LabelFormat = format, YoloKeepHoles = holes },
        }).Run();
        return folder;
    }

    [Fact]
    public void The_same_seed_writes_the_same_images_and_objects_in_every_format()
    {
        using var scope = NewDisposeScope();
        string coco = Run(AugmentLabelFormat.Coco), detect = Run(AugmentLabelFormat.YoloDetect), segment = Run(AugmentLabelFormat.YoloSegment);
        byte[] json = File.ReadAllBytes(Path.Combine(coco, AugmentRun.AnnotationsFileName));
        Assert.Equal(json, File.ReadAllBytes(Path.Combine(detect, AugmentRun.AnnotationsFileName)));
        Assert.Equal(json, File.ReadAllBytes(Path.Combine(segment, AugmentRun.AnnotationsFileName)));
        foreach (string image in Directory.EnumerateFiles(Path.Combine(coco, "images")))
        {
            Assert.Equal(File.ReadAllBytes(image), File.ReadAllBytes(Path.Combine(detect, "images", Path.GetFileName(image))));
            Assert.Equal(File.ReadAllBytes(image), File.ReadAllBytes(Path.Combine(segment, "images", Path.GetFileName(image))));
        }

        Assert.False(File.Exists(Path.Combine(coco, YoloWriter.DataYamlFileName)));
        Assert.Equal(6, Directory.EnumerateFiles(Path.Combine(detect, "labels")).Count());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Segment_labels_rasterise_to_the_runs_coco_masks(bool holes)
    {
        using var scope = NewDisposeScope();
        string folder = Run(AugmentLabelFormat.YoloSegment, holes);
        CocoDataset coco = CocoDataset.Load(Path.Combine(folder, AugmentRun.AnnotationsFileName));
        YoloDataset yolo = YoloDataset.Load(Path.Combine(folder, YoloWriter.DataYamlFileName));
        Assert.Equal(["c1", "c2", "c3", "c4", "c5"], yolo.Names);
        Assert.Equal(coco.Images.Count, yolo.Images.Count);
        int objects = 0;
        for (int i = 0; i < coco.Images.Count; i++)
        {
            CocoImage image = coco.Images[i];
            YoloImage labels = yolo.Images[i];
            Assert.Equal(Path.GetFileNameWithoutExtension(image.FileName), Path.GetFileNameWithoutExtension(labels.ImagePath));
            IReadOnlyList<CocoAnnotation> annotations = coco.GetAnnotations(image.Id);
            Assert.Equal(annotations.Count, labels.Objects.Count);
            for (int k = 0; k < annotations.Count; k++)
            {
                Assert.Equal(annotations[k].CategoryId - 1, labels.Objects[k].ClassId);
                Rle expected = coco.DecodeMask(annotations[k]), actual = YoloCoco.Mask(labels.Objects[k], image.Width, image.Height);
                double iou = Rle.Iou(actual, expected);
                // Outer contours only (the default, as Ultralytics) cover the mask and fill its holes: the bound holds
                // for objects without holes; with holes kept it holds for every object.
                bool hasHoles = MaskContours.WithHoles(expected).Count > MaskContours.Outer(expected).Count;
                Assert.Equal(expected.Area, Rle.Merge([actual, expected], intersect: true).Area);
                if (holes)
                {
                    Assert.Equal(expected, actual);
                }

                Assert.True(iou >= 0.95 || (!holes && hasHoles), $"image {image.Id} object {k}: IoU {iou}");
                objects++;
            }
        }

        Assert.True(objects >= 10, $"only {objects} objects");
    }

    [Fact]
    public void Detect_labels_are_the_runs_boxes()
    {
        using var scope = NewDisposeScope();
        string folder = Run(AugmentLabelFormat.YoloDetect);
        CocoDataset coco = CocoDataset.Load(Path.Combine(folder, AugmentRun.AnnotationsFileName));
        YoloDataset yolo = YoloDataset.Load(folder);
        Assert.True(yolo.IsBoxOnly);
        for (int i = 0; i < coco.Images.Count; i++)
        {
            CocoImage image = coco.Images[i];
            IReadOnlyList<CocoAnnotation> annotations = coco.GetAnnotations(image.Id);
            Assert.Equal(annotations.Count, yolo.Images[i].Objects.Count);
            for (int k = 0; k < annotations.Count; k++)
            {
                CocoBox expected = annotations[k].Bbox!.Value, actual = YoloCoco.Box(yolo.Images[i].Objects[k], image.Width, image.Height);
                Assert.InRange(Math.Abs(expected.X - actual.X) / image.Width, 0, 1e-6);
                Assert.InRange(Math.Abs(expected.Bottom - actual.Bottom) / image.Height, 0, 1e-6);
            }
        }
    }
}
