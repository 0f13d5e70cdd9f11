using System.Text.Json;
using XPaste.Tests;

namespace XPaste.Cli.Tests.Commands;

/// <summary>
/// A bank's categories meet a dataset's by name, never by number. The bank cut from <c>data/objects.json</c> numbers
/// person, cat, cup, rocket 1-4; the bundled dataset has coin = 1, horse = 2. Before, <c>augment</c> labelled pasted
/// people "coin" and cats "horse" and wrote ids 3 and 4 that its categories lacked, with exit code 0.
/// </summary>
public sealed class CategoryMatchingTests
{
    private static string Data(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "data", .. parts]);

    [Fact]
    public async Task Augment_refuses_bank_categories_the_dataset_lacks_and_names_them()
    {
        using var temp = new TempFolder();
        string bank = await BuildObjectsBankAsync(temp);
        CliResult result = await CliRunner.RunAsync(
            ["augment", "--dataset", Data("instances.json"), "--bank", bank, "--out", temp.File("out"), "--count", "2", "--size", "128", "--batch", "2"]);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("4 categories are not in", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("person, cat, cup, rocket", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("--add-categories", result.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("out", "annotations.json")));
    }

    [Fact]
    public async Task Augment_with_add_categories_labels_pasted_objects_by_name_and_writes_valid_coco()
    {
        using var temp = new TempFolder();
        string bank = await BuildObjectsBankAsync(temp);
        string output = temp.File("out");
        CliResult result = await CliRunner.RunAsync(
            ["augment", "--dataset", Data("instances.json"), "--bank", bank, "--out", output, "--count", "4", "--size", "128", "--batch", "2", "--add-categories"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("added to the output's categories: 3 person, 4 cat, 5 cup, 6 rocket", result.StdErr, StringComparison.Ordinal);

        using JsonDocument coco = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "annotations.json")));
        Dictionary<int, string> categories = coco.RootElement.GetProperty("categories").EnumerateArray()
            .ToDictionary(c => c.GetProperty("id").GetInt32(), c => c.GetProperty("name").GetString()!);
        Assert.Equal(["coin", "horse", "person", "cat", "cup", "rocket"], categories.OrderBy(p => p.Key).Select(p => p.Value));
        int pasted = 0;
        foreach (JsonElement annotation in coco.RootElement.GetProperty("annotations").EnumerateArray())
        {
            int id = annotation.GetProperty("category_id").GetInt32();
            Assert.True(categories.ContainsKey(id), $"annotation with category {id}, not in the categories");
            if (annotation.GetProperty("is_pasted").GetBoolean())
            {
                pasted++;
                Assert.Contains(categories[id], new[] { "person", "cat", "cup", "rocket" });
            }
        }

        Assert.True(pasted > 0, "nothing was pasted");
        CliResult inspect = await CliRunner.RunAsync(["inspect", Path.Combine(output, "annotations.json"), "--images", output]);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.DoesNotContain("problem", inspect.StdErr, StringComparison.Ordinal);
    }

    private static async Task<string> BuildObjectsBankAsync(TempFolder temp)
    {
        string bank = temp.File("bank");
        CliResult built = await CliRunner.RunAsync(["bank", "build", "--from-dataset", Data("objects.json"), "--images", Data("images"), "--out", bank]);
        Assert.True(built.ExitCode == 0, built.ToString());
        return bank;
    }
}
