using XPaste.Abstractions;
using XPaste.Imaging;
using XPaste.Sources;
using static TorchSharp.torch;

namespace XPaste.Tests.Sources;

public sealed class FolderInstanceSourceTests
{
    private static readonly CategoryInfo[] Categories =
    [
        new(12, "traffic_light"),
        new(3, "hot_dog"),
        new(40, "zebra"),
    ];

    /// <summary>The generator's layout; pixel value = a marker telling which file it is.</summary>
    private static string MakeLayout(TempFolder temp)
    {
        string root = temp.File("generated");
        void Png(string folder, string file, int marker) =>
            ImageIO.SavePng(full(new long[] { 3, 4, 5 }, marker, ScalarType.Byte), Path.Combine(root, folder, file));

        Png("traffic_light", "0001.png", 11);
        Png("traffic_light", "0000.png", 10);
        Png("traffic_light", "0010.png", 12);
        Png("hot dog", "0000.png", 30); // a prompt-style folder name
        Png("hot dog", "0002.png", 32);
        File.WriteAllText(Path.Combine(root, "hot dog", "notes.txt"), "not an image");
        File.WriteAllBytes(Path.Combine(root, "hot dog", ".tmp-0003.png-abc"), [1, 2, 3]); // an interrupted write
        File.WriteAllText(Path.Combine(root, "README.md"), "root files are not candidates");
        return root;
    }

    [Fact]
    public async Task Candidates_come_in_category_id_then_file_name_order_with_mapped_categories()
    {
        using var temp = new TempFolder();
        string root = MakeLayout(temp);
        var source = new FolderInstanceSource(root, Categories);

        Assert.Equal("folder:generated", source.Name);
        Assert.Equal(5, source.Count);
        Assert.Equal(new[] { Categories[1], Categories[0] }, source.Categories);

        var seen = new List<(string Id, int Category, string Origin, byte Marker, long[] Shape, bool HasMask)>();
        await foreach (SourceImage image in source.ReadAsync())
        {
            using (image)
            {
                seen.Add((image.Id, image.Category.Id, image.Origin, image.Image[0, 0, 0].item<byte>(), image.Image.shape, image.Mask is not null));
            }
        }

        Assert.Equal(new[] { "hot dog/0000.png", "hot dog/0002.png", "traffic_light/0000.png", "traffic_light/0001.png", "traffic_light/0010.png" }, seen.Select(s => s.Id));
        Assert.Equal(new[] { 3, 3, 12, 12, 12 }, seen.Select(s => s.Category));
        Assert.Equal(new byte[] { 30, 32, 10, 11, 12 }, seen.Select(s => s.Marker));
        Assert.All(seen, s => Assert.Equal(new long[] { 3, 4, 5 }, s.Shape));
        Assert.All(seen, s => Assert.False(s.HasMask));
        Assert.Equal(Path.Combine(root, "hot dog", "0000.png"), seen[0].Origin);
    }

    [Fact]
    public async Task Skipped_candidates_are_never_loaded()
    {
        using var temp = new TempFolder();
        string root = MakeLayout(temp);
        // A corrupt file that would fail if it were decoded.
        File.WriteAllBytes(Path.Combine(root, "traffic_light", "0000.png"), [0x89, 0x50, 0x4e, 0x47]);
        var source = new FolderInstanceSource(root, Categories);

        var ids = new List<string>();
        await foreach (SourceImage image in source.ReadAsync(id => id == "traffic_light/0000.png"))
        {
            using (image)
            {
                ids.Add(image.Id);
            }
        }

        Assert.Equal(4, ids.Count);
        Assert.DoesNotContain("traffic_light/0000.png", ids);

        await Assert.ThrowsAsync<InvalidImageException>(async () =>
        {
            await foreach (SourceImage image in source.ReadAsync())
            {
                image.Dispose();
            }
        });

        var tolerant = new FolderInstanceSource(root, Categories, new FolderSourceOptions { SkipUnreadableImages = true });
        int count = 0;
        await foreach (SourceImage image in tolerant.ReadAsync())
        {
            image.Dispose();
            count++;
        }

        Assert.Equal(4, count);
    }

    [Fact]
    public void A_folder_without_a_category_is_an_error_unless_ignored()
    {
        using var temp = new TempFolder();
        string root = MakeLayout(temp);
        Directory.CreateDirectory(Path.Combine(root, "unicorn"));

        var ex = Assert.Throws<InvalidInputException>(() => new FolderInstanceSource(root, Categories));
        Assert.Equal(Path.Combine(root, "unicorn"), ex.Input);
        Assert.Contains("no category named 'unicorn'", ex.Message, StringComparison.Ordinal);

        var lenient = new FolderInstanceSource(root, Categories, new FolderSourceOptions { IgnoreUnknownFolders = true });
        Assert.Equal(5, lenient.Count);
        Assert.Throws<InvalidInputException>(() => new FolderInstanceSource(temp.File("missing"), Categories));
    }

    [Fact]
    public void Categories_can_come_from_the_folder_names()
    {
        using var temp = new TempFolder();
        string root = MakeLayout(temp);
        var source = FolderInstanceSource.FromFolderNames(root);
        Assert.Equal(new[] { new CategoryInfo(1, "hot dog"), new CategoryInfo(2, "traffic_light") }, source.Categories);
        Assert.Equal(5, source.Count);
    }

    [Fact]
    public async Task One_category_folder_gives_the_ids_and_name_of_the_whole_layout_and_honours_the_options()
    {
        using var temp = new TempFolder();
        string root = MakeLayout(temp);
        File.WriteAllBytes(Path.Combine(root, "traffic_light", "0005.png"), [0x89, 0x50, 0x4e, 0x47]); // unreadable
        File.WriteAllBytes(Path.Combine(root, "traffic_light", "0006.gif"), [1]);
        var options = new FolderSourceOptions { SkipUnreadableImages = true, Extensions = [".png", ".gif"] };
        var whole = new FolderInstanceSource(root, Categories, options);
        var one = FolderInstanceSource.FromCategoryFolder(Path.Combine(root, "traffic_light"), Categories[0], options);

        Assert.Equal(whole.Name, one.Name);
        Assert.Equal(whole.Root, one.Root);
        Assert.Equal([Categories[0]], one.Categories);
        Assert.Equal(5, one.Count);
        var ids = new List<string>();
        await foreach (SourceImage image in one.ReadAsync())
        {
            using (image)
            {
                ids.Add(image.Id);
            }
        }

        var wholeIds = new List<string>();
        await foreach (SourceImage image in whole.ReadAsync(id => !id.StartsWith("traffic_light/", StringComparison.Ordinal)))
        {
            using (image)
            {
                wholeIds.Add(image.Id);
            }
        }

        // The unreadable PNG and the one-byte GIF are skipped, not fatal: the options apply.
        Assert.Equal(["traffic_light/0000.png", "traffic_light/0001.png", "traffic_light/0010.png"], ids);
        Assert.Equal(wholeIds, ids);
        Assert.Throws<InvalidInputException>(() => FolderInstanceSource.FromCategoryFolder(temp.File("missing"), Categories[0]));
    }
}
