using System.Text.Json;
using XPaste.Augment;
using XPaste.Bank;
using XPaste.Coco;
using XPaste.Tests.Kernel;
using static TorchSharp.torch;

namespace XPaste.Tests.Output;

public sealed class CocoPasteWriterTests
{
    private static XPasteAugmenter Augmenter(IAnnotatedImageSource dataset, IPasteInstancePool pool, long seed, PastePolicyKind policy = PastePolicyKind.Both) =>
        XPastePipeline.CreateBuilder()
            .UseDataset(dataset)
            .UseInstancePool(pool)
            .Configure(o =>
            {
                o.Seed = seed;
                o.Policy = policy;
                o.Jitter.OutputWidth = 160;
                o.Jitter.OutputHeight = 128;
                o.Jitter.MinScale = 0.8;
                o.Jitter.MaxScale = 1.25;
            })
            .Build();

    [Fact]
    public void Coco_output_decodes_back_to_the_in_memory_targets_exactly()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        using InMemoryImageSource dataset = SyntheticData.Dataset(6);
        using InMemoryInstancePool pool = SyntheticData.Pool(12);
        using AugmentedBatch batch = Augmenter(dataset, pool, 5).Augment([0, 1, 2, 3, 4, 5], 0);
        var writer = new CocoPasteWriter(temp.Path, [.. Enumerable.Range(1, 5).Select(i => new CocoCategory { Id = i, Name = $"c{i}" })], new CocoPasteWriterOptions { Format = AugmentedImageFormat.Png });
        writer.Add(batch);
        writer.Save();

        CocoDataset written = CocoDataset.Load(writer.AnnotationsPath);
        Assert.Equal(6, written.Images.Count);
        int pasted = 0;
        for (int i = 0; i < 6; i++)
        {
            CocoImage image = written.Images[i];
            PasteTargets t = batch.Targets[i];
            IReadOnlyList<CocoAnnotation> annotations = written.GetAnnotations(image.Id);
            Assert.Equal(t.Count, annotations.Count);
            Assert.Equal(batch.Plans[i].DestinationId, image.ExtensionData!["xpaste_destination"].GetString());
            Assert.Equal(T.ToBytes(batch.Images[i]), T.ToBytes(XPaste.Imaging.ImageIO.Load(Path.Combine(temp.Path, image.FileName!))));
            if (t.Count == 0)
            {
                continue;
            }

            Assert.Equal(T.ToBools(t.Masks), T.ToBools(written.DecodeMasks(image.Id)));
            Assert.Equal(T.ToLongs(t.Labels), annotations.Select(a => (long)a.CategoryId));
            Assert.Equal(T.ToLongs(t.Areas).Select(a => (double)a), annotations.Select(a => a.Area!.Value));
            float[] boxes = T.ToFloats(t.Boxes);
            Assert.Equal(boxes, annotations.SelectMany(a => new[] { a.Bbox!.Value.X, a.Bbox.Value.Y, a.Bbox.Value.Right, a.Bbox.Value.Bottom }).Select(v => (float)v));
            bool[] flags = [.. annotations.Select(a => a.ExtensionData!["is_pasted"].GetBoolean())];
            Assert.Equal(T.ToBools(t.IsPasted), flags);
            pasted += flags.Count(f => f);
        }

        Assert.True(pasted > 0);
        string[] plans = File.ReadAllLines(Path.Combine(temp.Path, "plans.jsonl"));
        Assert.Equal(batch.Plans.Select(p => p.ToJson()), plans);
    }

    [Fact]
    public Task The_same_seed_writes_byte_identical_annotations() => TensorThread.Run(async () =>
    {
        using var temp = new TempFolder();
        using InstanceBank bank = await BundledData.BuildBankAsync(temp.File("bank"));
        using var pool = new InstanceBankPool(bank);
        CocoImageSource dataset = BundledData.Source();

        string Run(string name, long seed)
        {
            using var scope = NewDisposeScope();
            var writer = new CocoPasteWriter(temp.File(name), dataset.Dataset.Categories);
            XPasteAugmenter augmenter = Augmenter(dataset, pool, seed);
            for (int b = 0; b < 3; b++)
            {
                using AugmentedBatch batch = augmenter.Augment([0, 1], b * 2);
                writer.Add(batch);
            }

            writer.Save();
            return writer.AnnotationsPath;
        }

        string a = Run("a", 11), b = Run("b", 11), c = Run("c", 12);
        byte[] bytesA = File.ReadAllBytes(a);
        Assert.Equal(bytesA, File.ReadAllBytes(b));
        Assert.NotEqual(bytesA, File.ReadAllBytes(c));
        Assert.Equal(File.ReadAllBytes(Path.Combine(temp.File("a"), "images", "000003.jpg")), File.ReadAllBytes(Path.Combine(temp.File("b"), "images", "000003.jpg")));
        using JsonDocument doc = JsonDocument.Parse(bytesA);
        Assert.Contains(doc.RootElement.GetProperty("annotations").EnumerateArray(), e => e.GetProperty("is_pasted").GetBoolean());
    });

    [Fact]
    public void The_preview_mosaic_tiles_the_batch()
    {
        using var scope = NewDisposeScope();
        using InMemoryImageSource dataset = SyntheticData.Dataset(5);
        using InMemoryInstancePool pool = SyntheticData.Pool(5);
        using AugmentedBatch batch = Augmenter(dataset, pool, 1, PastePolicyKind.XPaste).Augment([0, 1, 2, 3, 4], 0);
        Tensor mosaic = PreviewMosaic.Draw(batch, columns: 2, tileSize: 80);
        // Tiles of 80x64 (160x128 scaled by 0.5), 2 columns x 3 rows, 4 px gaps.
        Assert.Equal(new long[] { 3, (3 * 64) + 8, (2 * 80) + 4 }, mosaic.shape);
    }
}
