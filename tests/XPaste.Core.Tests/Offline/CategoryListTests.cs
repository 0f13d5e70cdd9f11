using XPaste.Offline;
using XPaste.Coco;

namespace XPaste.Tests.Offline;

public sealed class CategoryListTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_names_file_numbers_categories_in_order_and_skips_blanks_and_comments()
    {
        string path = _temp.File("names.txt");
        File.WriteAllText(path, "# rare ones\ncat\n\n traffic_light \ncoffee_cup\n");
        var categories = CategoryList.Load(path);
        Assert.Equal([(1, "cat"), (2, "traffic_light"), (3, "coffee_cup")], categories.Select(c => (c.Id, c.Name)));
        Assert.Equal("traffic light", categories[1].PromptName);
    }

    [Fact]
    public void A_name_twice_is_refused_with_both_lines()
    {
        string path = _temp.File("names.txt");
        File.WriteAllText(path, "cat\ndog\ncat\n");
        var ex = Assert.Throws<InvalidInputException>(() => CategoryList.Load(path));
        Assert.Equal($"{path}:3", ex.Input);
        Assert.Contains("'cat' appears twice (first on line 1)", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData(".hidden")]
    public void A_name_that_cannot_be_a_folder_is_refused(string name)
    {
        string path = _temp.File("names.txt");
        File.WriteAllText(path, $"cat\n{name}\n");
        var ex = Assert.Throws<InvalidInputException>(() => CategoryList.Load(path));
        Assert.Contains(name, ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dataset_keeps_its_ids_and_filters_by_lvis_frequency()
    {
        string path = _temp.File("lvis.json");
        File.WriteAllText(path, """
            {"images": [], "annotations": [], "categories": [
              {"id": 3, "name": "aerosol_can", "frequency": "r"},
              {"id": 9, "name": "apple", "frequency": "f"},
              {"id": 12, "name": "armoire", "frequency": "r"},
              {"id": 20, "name": "bagpipe", "frequency": "c"}]}
            """);
        Assert.Equal([3, 9, 12, 20], CategoryList.Load(path).Select(c => c.Id));
        Assert.Equal(["aerosol_can", "armoire"], CategoryList.Load(path, ["r"]).Select(c => c.Name));
        Assert.Equal([3, 12, 20], CategoryList.Load(path, ["r", "c"]).Select(c => c.Id));
    }

    [Fact]
    public void A_frequency_filter_needs_frequencies()
    {
        string names = _temp.File("names.txt");
        File.WriteAllText(names, "cat\n");
        Assert.Contains("--frequency", Assert.Throws<InvalidInputException>(() => CategoryList.Load(names, ["r"])).Problem, StringComparison.Ordinal);

        string coco = _temp.File("coco.json");
        File.WriteAllText(coco, """{"images": [], "annotations": [], "categories": [{"id": 1, "name": "cat"}]}""");
        Assert.Contains("no LVIS frequency", Assert.Throws<InvalidInputException>(() => CategoryList.Load(coco, ["r"])).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_and_empty_files_are_named()
    {
        string missing = _temp.File("nope.txt");
        Assert.Equal(missing, Assert.Throws<InvalidInputException>(() => CategoryList.Load(missing)).Input);
        string empty = _temp.File("empty.txt");
        File.WriteAllText(empty, "# nothing\n");
        Assert.Contains("no category", Assert.Throws<InvalidInputException>(() => CategoryList.Load(empty)).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Selecting_an_unknown_name_lists_it()
    {
        string path = _temp.File("names.txt");
        File.WriteAllText(path, "cat\ndog\n");
        var all = CategoryList.Load(path);
        Assert.Equal(["dog"], CategoryList.Select(all, ["dog"], "--category").Select(c => c.Name));
        var ex = Assert.Throws<InvalidInputException>(() => CategoryList.Select(all, ["dog", "unicorn", "yeti"], "--category"));
        Assert.Equal("--category", ex.Input);
        Assert.Equal("unknown category names: unicorn, yeti", ex.Problem);
    }
}
