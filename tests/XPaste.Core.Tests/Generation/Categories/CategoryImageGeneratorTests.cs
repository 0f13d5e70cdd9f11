using System.Text.Json.Nodes;
using XPaste.Abstractions;
using XPaste.Generation.Categories;
using XPaste.Offline;
using XPaste.IO;

namespace XPaste.Tests.Generation.Categories;

public sealed class CategoryImageGeneratorTests : IDisposable
{
    private static readonly CategoryInfo[] Categories = [new(1, "red_panda"), new(7, "cup")];
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static CategoryImageGenerator Stage(FakeTextToImageGenerator fake, int perCategory = 5, int batch = 2, long seed = 11, bool startOver = false) =>
        new(fake, new CategoryGenerationOptions { PerCategory = perCategory, BatchSize = batch, Seed = seed, StartOver = startOver });

    private static Dictionary<string, byte[]> Files(string root) =>
        Directory.EnumerateFiles(root, "*.png", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllBytes);

    [Fact]
    public void Writes_the_reference_layout_with_one_metadata_line_per_image()
    {
        string root = _temp.File("out");
        var fake = new FakeTextToImageGenerator();
        CategoryGenerationResult result = Stage(fake).Run(root, Categories);

        Assert.Equal(new CategoryGenerationResult(10, 0), result);
        Assert.Equal(
            ["cup/0000.png", "cup/0001.png", "cup/0002.png", "cup/0003.png", "cup/0004.png",
             "red_panda/0000.png", "red_panda/0001.png", "red_panda/0002.png", "red_panda/0003.png", "red_panda/0004.png"],
            Files(root).Keys.Order(StringComparer.Ordinal));
        string[] lines = File.ReadAllLines(Path.Combine(root, "red_panda", CategoryImageGenerator.MetadataFileName));
        Assert.Equal(5, lines.Length);
        long baseSeed = CategoryImageGenerator.SeedOf(11, "red_panda");
        for (int k = 0; k < 5; k++)
        {
            JsonNode line = JsonNode.Parse(lines[k])!;
            Assert.Equal($"{k:D4}.png", line["file"]!.GetValue<string>());
            Assert.Equal(k, line["k"]!.GetValue<int>());
            Assert.Equal(baseSeed + k, line["seed"]!.GetValue<long>());
            Assert.Equal("a photo of a single red panda", line["prompt"]!.GetValue<string>());
            Assert.Equal(1, line["category_id"]!.GetValue<int>());
            Assert.Equal("fake", line["model"]!.GetValue<string>());
            Assert.Equal("3", line["steps"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Seeds_follow_the_image_not_the_batch()
    {
        Stage(new FakeTextToImageGenerator(), batch: 1).Run(_temp.File("one"), Categories);
        var fake = new FakeTextToImageGenerator();
        Stage(fake, batch: 3).Run(_temp.File("three"), Categories);

        Assert.Equal([3, 2, 3, 2], fake.Batches);
        var one = Files(_temp.File("one"));
        var three = Files(_temp.File("three"));
        Assert.Equal(one.Keys.Order(), three.Keys.Order());
        foreach ((string file, byte[] bytes) in one)
        {
            Assert.Equal(bytes, three[file]);
        }

        // And the categories differ from each other (the seed depends on the name).
        Assert.NotEqual(one["cup/0000.png"], one["red_panda/0000.png"]);
    }

    [Fact]
    public void A_rerun_makes_exactly_the_missing_and_unreadable_images_again()
    {
        string reference = _temp.File("reference");
        Stage(new FakeTextToImageGenerator()).Run(reference, Categories);

        string root = _temp.File("out");
        Stage(new FakeTextToImageGenerator()).Run(root, Categories);
        File.Delete(Path.Combine(root, "cup", "0001.png"));
        File.WriteAllBytes(Path.Combine(root, "cup", "0003.png"), File.ReadAllBytes(Path.Combine(root, "cup", "0003.png"))[..40]);
        File.WriteAllBytes(Path.Combine(root, "red_panda", ".tmp-0002.png.abc"), [1, 2, 3]);

        var fake = new FakeTextToImageGenerator();
        CategoryGenerationResult result = Stage(fake, batch: 4).Run(root, Categories);

        Assert.Equal(new CategoryGenerationResult(2, 8), result);
        // Both lie in the fixed batch [0, 4): made together, with the two images that are there as companions.
        Assert.Equal([4], fake.Batches);
        var expected = Files(reference);
        var actual = Files(root);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach ((string file, byte[] bytes) in expected)
        {
            Assert.Equal(bytes, actual[file]);
        }

        Assert.Empty(Directory.EnumerateFiles(root, ".tmp-*", SearchOption.AllDirectories));
        Assert.Equal(File.ReadAllText(Path.Combine(reference, "cup", "metadata.jsonl")), File.ReadAllText(Path.Combine(root, "cup", "metadata.jsonl")));
    }

    [Fact]
    public void An_interrupted_run_resumed_ends_identical_to_an_uninterrupted_one()
    {
        string reference = _temp.File("reference");
        Stage(new FakeTextToImageGenerator(), perCategory: 7).Run(reference, Categories);

        string root = _temp.File("out");
        using var cts = new CancellationTokenSource();
        var fake = new FakeTextToImageGenerator { CancelAfter = (5, cts) };
        Assert.ThrowsAny<OperationCanceledException>(() => Stage(fake, perCategory: 7).Run(root, Categories, cancellationToken: cts.Token));
        Assert.True(Files(root).Count is > 0 and < 14);

        var resumed = new FakeTextToImageGenerator();
        Stage(resumed, perCategory: 7, batch: 3).Run(root, Categories);
        Assert.Equal(14 - fake.Made, resumed.Made);
        Assert.Equal(Files(reference).OrderBy(p => p.Key).Select(p => (p.Key, Convert.ToHexString(p.Value))),
            Files(root).OrderBy(p => p.Key).Select(p => (p.Key, Convert.ToHexString(p.Value))));
    }

    [Fact]
    public void Other_pixel_settings_are_refused_by_name_unless_starting_over()
    {
        string root = _temp.File("out");
        Stage(new FakeTextToImageGenerator()).Run(root, Categories);

        var ex = Assert.Throws<RunSettingsConflictException>(() => Stage(new FakeTextToImageGenerator(model: "other")).Run(root, Categories));
        Assert.Equal("model", ex.Setting);
        Assert.Contains("'fake'", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("'other'", ex.Problem, StringComparison.Ordinal);

        Assert.Equal("seed", Assert.Throws<RunSettingsConflictException>(() => Stage(new FakeTextToImageGenerator(), seed: 12).Run(root, Categories)).Setting);

        // Starting over makes every image again with the new settings; asking for more images is not a conflict.
        var fake = new FakeTextToImageGenerator();
        Stage(fake, seed: 12, startOver: true).Run(root, Categories);
        Assert.Equal(10, fake.Made);
        var more = new FakeTextToImageGenerator();
        Assert.Equal(new CategoryGenerationResult(2, 10), Stage(more, perCategory: 6, seed: 12).Run(root, Categories));
        // Image 5 of each category is made in its fixed batch [4, 6), beside image 4 that is already there.
        Assert.Equal([2, 2], more.Batches);
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2, 3, 4, 5, 6 }, 3, 7, new[] { 0, 3, 3, 3, 6, 1 })]
    [InlineData(new[] { 1, 5 }, 4, 6, new[] { 0, 4, 4, 2 })]
    [InlineData(new[] { 2, 3 }, 4, 10, new[] { 0, 4 })]
    [InlineData(new int[0], 4, 10, new int[0])]
    public void Batches_sit_at_fixed_places_whatever_is_missing(int[] missing, int batch, int perCategory, int[] expected)
    {
        int[] blocks = [.. XPaste.Generation.GenerationBatches.AtFixedPlaces(missing, batch, perCategory).SelectMany(b => new[] { b.First, b.Count })];
        Assert.Equal(expected, blocks);
    }

    [Fact]
    public void Seeds_depend_on_run_seed_and_name_only()
    {
        Assert.Equal(CategoryImageGenerator.SeedOf(5, "cup"), CategoryImageGenerator.SeedOf(5, "cup"));
        Assert.NotEqual(CategoryImageGenerator.SeedOf(5, "cup"), CategoryImageGenerator.SeedOf(6, "cup"));
        Assert.NotEqual(CategoryImageGenerator.SeedOf(5, "cup"), CategoryImageGenerator.SeedOf(5, "cups"));
        Assert.InRange(CategoryImageGenerator.SeedOf(-3, "x"), 0, (1L << 48) - 1);
        Assert.Equal("a photo of a single traffic light", CategoryImageGenerator.PromptOf("a photo of a single {name}", new CategoryInfo(1, "traffic_light")));
    }
}
