using XPaste.Abstractions;
using XPaste.Extraction;
using XPaste.Generation.Categories;
using XPaste.Offline;

namespace XPaste.Tests.Offline;

/// <summary>A per-category budget in <see cref="BankRun"/> saves generation: a category stops once its budget is kept.</summary>
public sealed class BankRunBudgetTests : IDisposable
{
    private static readonly CategoryInfo[] Categories = [new(1, "cup"), new(2, "drum")];

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static Task<RunManifest> RunAsync(string output, FakeTextToImageGenerator generator, int? budget) =>
        new BankRun(
            new BankRunOptions { OutputFolder = output, Categories = Categories },
            new CategoryImageGenerator(generator, new CategoryGenerationOptions { PerCategory = 10, BatchSize = 2 }),
            new OfflinePipeline([new PlainBackgroundExtractor()], options: new OfflinePipelineOptions { BatchSize = 2, PerCategoryBudget = budget })).RunAsync();

    [Fact]
    public async Task Generation_stops_once_the_budget_is_kept_and_makes_the_same_pictures()
    {
        using var open = new FakeTextToImageGenerator();
        using var budgeted = new FakeTextToImageGenerator();
        RunManifest all = await RunAsync(_temp.File("open"), open, null);
        RunManifest capped = await RunAsync(_temp.File("capped"), budgeted, 3);

        Assert.Equal(20, open.Made);
        Assert.All(all.Summary!.Values, s => Assert.True(s.Kept >= 3, $"the fake's images should give the budget ({s.Kept})"));
        // 3 missing -> 4 images (two whole batches) per category, which the fake's images keep.
        Assert.Equal(8, budgeted.Made);
        Assert.All(budgeted.Batches, b => Assert.Equal(2, b));
        foreach (CategoryInfo category in Categories)
        {
            Assert.Equal(3, capped.Summary![category.Name].Kept);
            string[] made = [.. Directory.EnumerateFiles(_temp.File("capped", "images", category.Name), "*.png").Select(Path.GetFileName).Order()!];
            Assert.Equal(["0000.png", "0001.png", "0002.png", "0003.png"], made);
            foreach (string name in made)
            {
                Assert.Equal(File.ReadAllBytes(_temp.File("open", "images", category.Name, name)), File.ReadAllBytes(_temp.File("capped", "images", category.Name, name)));
            }
        }

        // A rerun of the finished run generates nothing.
        using var again = new FakeTextToImageGenerator();
        RunManifest rerun = await RunAsync(_temp.File("capped"), again, 3);
        Assert.Equal(0, again.Made);
        Assert.Equal(capped.Summary!["cup"].Kept, rerun.Summary!["cup"].Kept);
    }

    [Fact]
    public async Task A_category_short_of_its_budget_gets_more_chunks_up_to_its_images()
    {
        // A budget above what 10 images can give: every image is made, in chunks, and the run completes.
        using var generator = new FakeTextToImageGenerator();
        RunManifest manifest = await RunAsync(_temp.File("short"), generator, 50);

        Assert.Equal(20, generator.Made);
        Assert.True(manifest.Complete);
        Assert.All(manifest.Summary!.Values, s => Assert.Equal(10, s.Kept + s.Rejected));
    }
}
