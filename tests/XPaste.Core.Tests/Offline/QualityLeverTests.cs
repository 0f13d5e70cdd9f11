using XPaste.IO;
using System.Text.Json.Nodes;
using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Extraction;
using XPaste.Generation;
using XPaste.Generation.Categories;
using XPaste.Offline;
using static TorchSharp.torch;

namespace XPaste.Tests.Offline;

/// <summary>The opt-in quality levers on constructed cases: each moves what is kept in the expected direction.</summary>
public sealed class QualityLeverTests : IDisposable
{
    private static readonly CategoryInfo Cup = new(1, "cup");
    private static readonly CategoryInfo[] Categories = [Cup, new(2, "drum")];

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Draws the fake's object only for prompts that ask for an isolated one; any other prompt gives an empty scene.</summary>
    private sealed class PickyGenerator : ITextToImageGenerator, IDisposable
    {
        private readonly FakeTextToImageGenerator _inner = new();

        public void Dispose() => _inner.Dispose();

        public int Width => _inner.Width;

        public int Height => _inner.Height;

        public IReadOnlyDictionary<string, string> Settings => _inner.Settings;

        public Tensor Generate(string prompt, int count, long firstSeed, CancellationToken cancellationToken = default) =>
            prompt.Contains("isolated", StringComparison.Ordinal)
                ? _inner.Generate(prompt, count, firstSeed, cancellationToken)
                : full(new long[] { count, 3, Height, Width }, 250, ScalarType.Byte);
    }

    private static async Task<RunManifest> RunAsync(string output, ITextToImageGenerator generator, CategoryGenerationOptions generation, OfflinePipelineOptions? extraction = null)
    {
        var run = new BankRun(
            new BankRunOptions { OutputFolder = output, Categories = Categories },
            new CategoryImageGenerator(generator, generation),
            new OfflinePipeline([new PlainBackgroundExtractor()], options: extraction ?? new OfflinePipelineOptions { BatchSize = 2 }));
        return await run.RunAsync();
    }

    [Fact]
    public async Task Prompt_lists_are_cycled_by_image_index_recorded_per_image_and_change_what_is_kept()
    {
        RunManifest plain = await RunAsync(_temp.File("template"), new PickyGenerator(), new CategoryGenerationOptions { PerCategory = 4, BatchSize = 2 });
        var prompts = new Dictionary<string, IReadOnlyList<string>> { ["cup"] = ["an isolated {name} on white", "a photo of a single {name}"] };
        RunManifest listed = await RunAsync(_temp.File("lists"), new PickyGenerator(), new CategoryGenerationOptions { PerCategory = 4, BatchSize = 2, Prompts = prompts });

        // The template never asks for an isolated object: nothing is kept. The list's first prompt does, for k = 0 and 2.
        Assert.Equal(0, plain.Summary!.Values.Sum(s => s.Kept));
        Assert.Equal(2, listed.Summary!["cup"].Kept);
        Assert.Equal(0, listed.Summary["drum"].Kept);
        Assert.Equal(PromptLists.Hash(prompts), listed.Settings["generate.prompts"]);
        Assert.False(plain.Settings.ContainsKey("generate.prompts"));

        string[] recorded = [.. File.ReadAllLines(_temp.File("lists", "images", "cup", CategoryImageGenerator.MetadataFileName))
            .Select(l => JsonNode.Parse(l)!["prompt"]!.GetValue<string>())];
        Assert.Equal(["an isolated cup on white", "a photo of a single cup", "an isolated cup on white", "a photo of a single cup"], recorded);
        string drum = File.ReadAllLines(_temp.File("lists", "images", "drum", CategoryImageGenerator.MetadataFileName))[0];
        Assert.Equal("a photo of a single drum", JsonNode.Parse(drum)!["prompt"]!.GetValue<string>());
    }

    [Fact]
    public async Task Changed_prompt_lists_are_refused_by_name()
    {
        string output = _temp.File("run");
        var first = new Dictionary<string, IReadOnlyList<string>> { ["cup"] = ["an isolated {name}"] };
        await RunAsync(output, new PickyGenerator(), new CategoryGenerationOptions { PerCategory = 1, Prompts = first });
        var other = new Dictionary<string, IReadOnlyList<string>> { ["cup"] = ["an isolated {name} on grass"] };
        var ex = await Assert.ThrowsAsync<RunSettingsConflictException>(() =>
            RunAsync(output, new PickyGenerator(), new CategoryGenerationOptions { PerCategory = 1, Prompts = other }));
        Assert.Equal("generate.prompts", ex.Setting);
    }

    [Fact]
    public async Task A_per_category_budget_caps_what_is_kept_and_records_the_rest()
    {
        RunManifest open = await RunAsync(_temp.File("open"), new FakeTextToImageGenerator(), new CategoryGenerationOptions { PerCategory = 5, BatchSize = 2 });
        // Images that are already there (read, not generated: a generating run stops early, see BankRunBudgetTests).
        RunManifest capped = await new BankRun(
            new BankRunOptions { OutputFolder = _temp.File("capped"), Categories = Categories, ImagesFolder = _temp.File("open", "images") },
            null,
            new OfflinePipeline([new PlainBackgroundExtractor()], options: new OfflinePipelineOptions { BatchSize = 2, PerCategoryBudget = 2 })).RunAsync();

        Assert.All(open.Summary!.Values, s => Assert.True(s.Kept > 2, $"the fake's images should give more than the budget ({s.Kept})"));
        foreach ((string name, CategoryRunSummary s) in capped.Summary!)
        {
            Assert.Equal(2, s.Kept);
            Assert.Equal(open.Summary[name].Kept - 2, s.Reasons[RejectionKinds.Name(RejectionKind.OverBudget)]);
        }

        using InstanceBankReader bank = InstanceBank.Open(_temp.File("capped", "bank"));
        Assert.Equal("category budget of 2 instances reached (plain)", bank.Rejections.First(r => r.Kind == RejectionKind.OverBudget).Text);
    }

    /// <summary>The fake generator's pictures for the given seeds, in order (a repeated seed is the same picture).</summary>
    private sealed class Seeds(params long[] seeds) : IInstanceSource
    {
        public string Name => "seeds";

        public IReadOnlyList<CategoryInfo> Categories => [Cup];

        public async IAsyncEnumerable<SourceImage> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            using var fake = new FakeTextToImageGenerator();
            for (int i = 0; i < seeds.Length; i++)
            {
                await Task.Yield();
                Tensor image = fake.Generate("a cup", 1, seeds[i], cancellationToken)[0];
                yield return new SourceImage($"{i}", Cup, image, null, $"seed {seeds[i]}");
            }
        }
    }

    [Fact]
    public Task Near_duplicates_of_a_category_are_rejected_before_extraction() => TensorThread.Run(async () =>
    {
        var extractor = new PlainBackgroundExtractor();
        OfflineResult all, unique;
        using (InstanceBank bank = InstanceBank.Create(_temp.File("all")))
        {
            all = await new OfflinePipeline([extractor]).RunAsync(new Seeds(1, 2, 1, 3, 2), bank);
        }

        using (InstanceBank bank = InstanceBank.Create(_temp.File("unique")))
        {
            unique = await new OfflinePipeline([extractor], options: new OfflinePipelineOptions { NearDuplicateDistance = 4 }).RunAsync(new Seeds(1, 2, 1, 3, 2), bank);
        }

        using (InstanceBankReader everything = InstanceBank.Open(_temp.File("all")))
        {
            // The copies (images 2 and 4) gave instances like their originals without the option; with it they are gone.
            int keptCopies = everything.Instances.Count(i => i.Source is "seeds/2" or "seeds/4");
            Assert.Equal(2, keptCopies);
            Assert.Equal(all.Added - keptCopies, unique.Added);
        }

        Assert.Equal(new Dictionary<string, int> { ["near_duplicate"] = 2 }, unique.RejectedByKind);
        using InstanceBankReader reader = InstanceBank.Open(_temp.File("unique"));
        Assert.Equal(["seeds/2", "seeds/4"], reader.Rejections.Select(r => r.Source));
        Assert.All(reader.Rejections, r => Assert.Equal("near duplicate (hash distance 0 <= 4)", r.Text));
    });
}
