using System.Text.Json;
using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Coco;
using XPaste.Imaging;
using XPaste.Masks;
using XPaste.Offline;
using XPaste.Sources;
using static TorchSharp.torch;

namespace XPaste.Tests.Sources;

/// <summary>Runs on a copy of the bundled dataset (samples/data): 18 coins + 1 crowd region on coins.png, 1 horse on horse.png.</summary>
public sealed class DatasetInstanceSourceTests
{
    private static string Json => TestFiles.Data("bundled", "instances.json");

    private static string Images => TestFiles.Data("bundled", "images");

    private static async Task<List<SourceImage>> ReadAll(DatasetInstanceSource source)
    {
        var all = new List<SourceImage>();
        await foreach (SourceImage image in source.ReadAsync())
        {
            all.Add(image);
        }

        return all;
    }

    /// <summary>Annotation id, area and crowd flag straight from the JSON, without the COCO loader.</summary>
    private static List<(long Id, int Category, double Area, bool Crowd)> RawAnnotations()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Json));
        return doc.RootElement.GetProperty("annotations").EnumerateArray()
            .Select(a => (a.GetProperty("id").GetInt64(), a.GetProperty("category_id").GetInt32(), a.GetProperty("area").GetDouble(), a.GetProperty("iscrowd").GetInt32() != 0))
            .ToList();
    }

    [Fact]
    public async Task Selection_follows_crowd_area_and_category_options()
    {
        var raw = RawAnnotations();
        Assert.Equal(20, raw.Count);

        var source = await DatasetInstanceSource.LoadAsync(Json, Images);
        Assert.Equal("coco:instances.json", source.Name);
        Assert.Equal(new[] { new CategoryInfo(1, "coin"), new CategoryInfo(2, "horse") }, source.Categories);
        Assert.Equal(19, source.Count);
        Assert.Equal(2, source.ImageCount);

        CocoDataset dataset = CocoDataset.Load(Json);
        Assert.Equal(20, new DatasetInstanceSource(dataset, Images, new DatasetSourceOptions { SkipCrowd = false }).Count);
        Assert.Equal(1, new DatasetInstanceSource(dataset, Images, new DatasetSourceOptions { CategoryIds = new HashSet<int> { 2 } }).Count);
        Assert.Equal(raw.Count(a => !a.Crowd && a.Area >= 2000),
            new DatasetInstanceSource(dataset, Images, new DatasetSourceOptions { MinArea = 2000 }).Count);
    }

    [Fact]
    public Task Each_candidate_is_its_object_cropped_to_the_mask_box_with_the_decoded_mask() => TensorThread.Run(async () =>
    {
        using var scope = NewDisposeScope();
        CocoDataset dataset = CocoDataset.Load(Json);
        var source = new DatasetInstanceSource(dataset, Images);
        var areas = RawAnnotations().ToDictionary(a => a.Id, a => a.Area);
        List<SourceImage> candidates = await ReadAll(source);
        try
        {
            Assert.Equal(Enumerable.Range(1, 18).Select(i => $"ann-{i}").Append("ann-20"), candidates.Select(c => c.Id));
            var full = new Dictionary<long, Tensor>
            {
                [1] = ImageIO.Load(Path.Combine(Images, "coins.png"), new ImageLoadOptions { Channels = ImageChannels.Rgb }),
                [2] = ImageIO.Load(Path.Combine(Images, "horse.png"), new ImageLoadOptions { Channels = ImageChannels.Rgb }),
            };
            foreach (SourceImage candidate in candidates)
            {
                long id = long.Parse(candidate.Id[4..], System.Globalization.CultureInfo.InvariantCulture);
                CocoAnnotation annotation = dataset.Annotations.Single(a => a.Id == id);
                Rle rle = dataset.DecodeMask(annotation);
                CocoBox box = rle.BoundingBox;
                int x = (int)box.X, y = (int)box.Y, w = (int)box.Width, h = (int)box.Height;

                // The mask: the whole-image mask cut to its box, 0/255, with the area the dataset states.
                Tensor expectedMask = MaskCodec.DecodeOne(rle).to(ScalarType.Byte).mul(255).narrow(0, y, h).narrow(1, x, w);
                Assert.NotNull(candidate.Mask);
                Assert.True(SamePixels(expectedMask, candidate.Mask!), candidate.Id);
                Assert.Equal(areas[id], candidate.Mask!.count_nonzero().item<long>());

                // The pixels: the same box of the photo.
                Tensor expectedImage = full[annotation.ImageId].narrow(1, y, h).narrow(2, x, w);
                Assert.True(SamePixels(expectedImage, candidate.Image), candidate.Id);
                Assert.Equal(annotation.CategoryId, candidate.Category.Id);
                Assert.EndsWith($"#annotation={id}", candidate.Origin, StringComparison.Ordinal);
            }
        }
        finally
        {
            candidates.ForEach(c => c.Dispose());
        }
    });

    [Fact]
    public Task The_horse_mask_is_exactly_the_dark_silhouette() => TensorThread.Run(async () =>
    {
        using var scope = NewDisposeScope();
        var source = new DatasetInstanceSource(CocoDataset.Load(Json), Images,
            new DatasetSourceOptions { CategoryIds = new HashSet<int> { 2 }, CropToObject = false });
        List<SourceImage> candidates = await ReadAll(source);
        using SourceImage horse = Assert.Single(candidates);

        // Independent of the COCO codec: the silhouette is black on white, so mean grey < 128 is the object.
        Tensor photo = ImageIO.Load(Path.Combine(Images, "horse.png"), new ImageLoadOptions { Channels = ImageChannels.Rgb });
        Tensor dark = photo.to(ScalarType.Int32).sum(dim: 0L).lt(3 * 128);
        Assert.Equal(43412, dark.count_nonzero().item<long>());
        Assert.Equal(43412, horse.Mask!.count_nonzero().item<long>());
        Assert.Equal(0, dark.to(ScalarType.Byte).mul(255).ne(horse.Mask!).count_nonzero().item<long>());
        Assert.Equal(photo.shape, horse.Image.shape);
    });

    [Fact]
    public Task Building_a_bank_from_the_bundled_dataset_stores_exact_cut_outs() => TensorThread.Run(async () =>
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        CocoDataset dataset = CocoDataset.Load(Json);
        var source = new DatasetInstanceSource(dataset, Images);
        OfflineResult result;
        using (var bank = InstanceBank.Create(temp.File("bank")))
        {
            result = await new OfflinePipeline([], options: OfflinePipelineOptions.Annotations).RunAsync(source, bank);
        }

        Assert.Equal((19, 0, 0), (result.Added, result.Skipped, result.Rejected));
        Assert.Equal(new Dictionary<string, int> { [XPaste.Extraction.InstanceSelector.SourceMaskName] = 19 }, result.AddedByExtractor);
        using var reader = InstanceBank.Open(temp.File("bank"));
        Assert.Equal(new Dictionary<int, int> { [1] = 18, [2] = 1 }, reader.CategoryCounts);

        List<SourceImage> candidates = await ReadAll(source);
        try
        {
            for (int i = 0; i < candidates.Count; i++)
            {
                BankInstance instance = reader.Instances[i];
                SourceImage candidate = candidates[i];
                Assert.Equal($"coco:instances.json/{candidate.Id}", instance.Source);
                Assert.Equal("annotation", instance.Extractor);
                using Tensor rgba = reader.LoadImage(instance, verifyHash: true);
                Tensor inside = candidate.Mask!.gt(128);
                Assert.True(SamePixels(candidate.Mask!, rgba[3]), instance.Id);
                Assert.True(SamePixels(candidate.Image * inside, rgba.narrow(0, 0, 3)), instance.Id);
            }
        }
        finally
        {
            candidates.ForEach(c => c.Dispose());
        }

        // Rebuilding is a no-op.
        using (var first = InstanceBank.OpenOrCreate(temp.File("bank")))
        {
            OfflineResult again = await new OfflinePipeline([]).RunAsync(source, first);
            Assert.Equal((0, 19, 0), (again.Added, again.Skipped, again.Rejected));
        }
    });

    [Fact]
    public async Task Images_whose_candidates_are_all_skipped_are_never_opened()
    {
        using var temp = new TempFolder();
        string images = temp.File("images");
        Directory.CreateDirectory(images);
        File.Copy(Path.Combine(Images, "horse.png"), Path.Combine(images, "horse.png"));
        File.WriteAllBytes(Path.Combine(images, "coins.png"), [0x89, 0x50, 0x4e, 0x47]); // would not decode

        var source = new DatasetInstanceSource(CocoDataset.Load(Json), images);
        var ids = new List<string>();
        await foreach (SourceImage image in source.ReadAsync(id => id != "ann-20"))
        {
            ids.Add(image.Id);
            image.Dispose();
        }

        Assert.Equal(new[] { "ann-20" }, ids);
        await Assert.ThrowsAsync<InvalidImageException>(() => ReadAll(source));
    }

    [Fact]
    public async Task A_file_name_that_escapes_the_images_folder_is_rejected()
    {
        using var temp = new TempFolder();
        string json = temp.File("evil.json");
        File.WriteAllText(json, """
            {"images":[{"id":1,"file_name":"../../secret.png","width":4,"height":4}],
             "annotations":[{"id":1,"image_id":1,"category_id":1,"segmentation":[[0,0,4,0,4,4]],"area":8,"bbox":[0,0,4,4],"iscrowd":0}],
             "categories":[{"id":1,"name":"thing"}]}
            """);
        var source = await DatasetInstanceSource.LoadAsync(json, temp.File("images"));
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(source));
        Assert.Contains("escapes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("evil.json", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"images":[{"id":1,"file_name":"a.png","width":4,"height":4}],"categories":[{"id":1,"name":"thing"}]}""", "has no annotations key")]
    [InlineData("""{"images":[{"id":1,"file_name":"a.png","width":4,"height":4}],"annotations":[],"categories":[{"id":1,"name":"thing"}]}""", "has no usable annotations")]
    public async Task A_file_without_annotations_is_refused_as_a_source_of_instances(string content, string problem)
    {
        using var temp = new TempFolder();
        string json = temp.File("images-only.json");
        File.WriteAllText(json, content);

        var ex = await Assert.ThrowsAsync<CocoFormatException>(() => DatasetInstanceSource.LoadAsync(json, temp.Path));

        Assert.StartsWith(json + ": ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    private static bool SamePixels(Tensor a, Tensor b) => XPaste.Tests.Bank.InstanceBankTests.SamePixels(a.contiguous(), b.contiguous());
}
