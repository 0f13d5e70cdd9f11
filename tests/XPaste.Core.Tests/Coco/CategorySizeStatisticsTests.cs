using System.Text;
using XPaste.Coco;
using XPaste.Masks;

namespace XPaste.Tests.Coco;

public sealed class CategorySizeStatisticsTests
{
    /// <summary>
    /// Image 1 is 10x10, image 2 is 20x5 (both area 100). Category 1: boxes 1x1, 2x2, 3x3 (s = 0.1, 0.2, 0.3);
    /// category 2: one 5x5 box (0.5) and a crowd 10x10 box (1.0); category 3: no box, a 4x4 polygon (0.4).
    /// </summary>
    private static CocoDataset Dataset() => new()
    {
        Images = [new CocoImage { Id = 1, Width = 10, Height = 10 }, new CocoImage { Id = 2, Width = 20, Height = 5 }],
        Categories = [new CocoCategory { Id = 1, Name = "a" }, new CocoCategory { Id = 2, Name = "b" }, new CocoCategory { Id = 3, Name = "c" }, new CocoCategory { Id = 4, Name = "none" }],
        Annotations =
        [
            new CocoAnnotation { Id = 1, ImageId = 1, CategoryId = 1, Bbox = new CocoBox(0, 0, 1, 1) },
            new CocoAnnotation { Id = 2, ImageId = 2, CategoryId = 1, Bbox = new CocoBox(3, 1, 2, 2) },
            new CocoAnnotation { Id = 3, ImageId = 1, CategoryId = 1, Bbox = new CocoBox(5.5, 2, 3, 3) },
            new CocoAnnotation { Id = 4, ImageId = 2, CategoryId = 2, Bbox = new CocoBox(0, 0, 5, 5) },
            new CocoAnnotation { Id = 5, ImageId = 1, CategoryId = 2, Bbox = new CocoBox(0, 0, 10, 10), IsCrowd = 1 },
            new CocoAnnotation { Id = 6, ImageId = 1, CategoryId = 3, Segmentation = CocoSegmentation.FromPolygons([[1, 1, 5, 1, 5, 5, 1, 5]]) },
        ],
    };

    [Fact]
    public void Mean_and_population_std_of_sqrt_relative_box_area_per_category_like_numpy()
    {
        CategorySizeStatistics stats = CategorySizeStatistics.Compute(Dataset());

        AssertClose(new SizeDistribution(0.2, Math.Sqrt(0.02 / 3), 3), stats.Get(1));
        AssertClose(new SizeDistribution(0.75, 0.25, 2), stats.Get(2));
        AssertClose(new SizeDistribution(0.4, 0, 1), stats.Get(3));
        double[] all = [0.1, 0.2, 0.3, 0.5, 1.0, 0.4];
        double mean = all.Average();
        AssertClose(new SizeDistribution(mean, Math.Sqrt(all.Sum(v => (v - mean) * (v - mean)) / all.Length), 6), stats.Global);
        Assert.Equal(stats.Global, stats.Get(4));
        Assert.Equal(3, stats.Categories.Count);
    }

    [Fact]
    public void Crowd_can_be_left_out_and_sample_std_chosen()
    {
        CategorySizeStatistics stats = CategorySizeStatistics.Compute(Dataset(), new SizeStatisticsOptions { IncludeCrowd = false, SampleStd = true });

        AssertClose(new SizeDistribution(0.2, 0.1, 3), stats.Get(1));
        AssertClose(new SizeDistribution(0.5, 0, 1), stats.Get(2));
        Assert.Equal(5, stats.Global.Count);
    }

    [Fact]
    public void Saved_statistics_load_back_identically()
    {
        CategorySizeStatistics stats = CategorySizeStatistics.Compute(Dataset());
        using var temp = new TempFolder();

        stats.Save(temp.File("sizes.json"));
        CategorySizeStatistics back = CategorySizeStatistics.Load(temp.File("sizes.json"));

        Assert.Equal(stats.Global, back.Global);
        Assert.Equal(stats.Categories.OrderBy(c => c.Key), back.Categories.OrderBy(c => c.Key));
        Assert.Equal(stats.ToUtf8Json(), back.ToUtf8Json());
    }

    [Fact]
    public void Reads_the_reference_area_mean_std_format()
    {
        byte[] json = Encoding.UTF8.GetBytes("""{"1202": [0.25, 0.125], "8": [0.75, 0.25]}""");

        CategorySizeStatistics stats = CategorySizeStatistics.Parse(json, "area_mean_std2.json");

        Assert.Equal(new SizeDistribution(0.25, 0.125, 0), stats.Get(1202));
        Assert.Equal(new SizeDistribution(0.75, 0.25, 0), stats.Get(8));
        Assert.Equal(new SizeDistribution(0.5, 0.1875, 0), stats.Get(1));
    }

    [Theory]
    [InlineData("""{"1": [0.5]}""", "category 1: expected [mean, std]")]
    [InlineData("""{"x": [0.5, 0.1]}""", "\"x\" is not a category id")]
    [InlineData("""{"1": [-0.5, 0.1]}""", "must be finite and non-negative")]
    [InlineData("""{"categories": {}}""", "no \"global\" distribution")]
    [InlineData("""{"global": {"mean": 1, "std": 0}, "categories": {"2": {"mean": "a"}}}""", "category 2: expected")]
    [InlineData("""{"1": [0.5, 0.1], "1": [0.5, 0.1]}""", "category 1 appears more than once")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{"1": """, "not valid JSON")]
    public void Bad_files_are_rejected_naming_the_file(string json, string problem)
    {
        var ex = Assert.Throws<InvalidInputException>(() => CategorySizeStatistics.Parse(Encoding.UTF8.GetBytes(json), "sizes.json"));

        Assert.StartsWith("sizes.json: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    private static void AssertClose(SizeDistribution expected, SizeDistribution actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Mean, actual.Mean, 1e-15);
        Assert.Equal(expected.Std, actual.Std, 1e-15);
    }
}
