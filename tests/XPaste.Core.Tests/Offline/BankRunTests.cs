using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Extraction;
using XPaste.Generation.Categories;
using XPaste.Offline;
using XPaste.Sharding;
using XPaste.Tests.Generation.Categories;
using XPaste.IO;

namespace XPaste.Tests.Offline;

public sealed class BankRunTests : IDisposable
{
    private static readonly CategoryInfo[] Categories =
        [new(1, "apple"), new(2, "bottle"), new(3, "cup"), new(4, "drum"), new(5, "egg"), new(6, "fern"), new(7, "gong")];

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static BankRun Run(string output, ShardSpec shard, FakeTextToImageGenerator? fake = null, IReadOnlyDictionary<string, string>? settings = null,
        int perCategory = 3, OfflinePipeline? pipeline = null) =>
        new(new BankRunOptions { OutputFolder = output, Categories = Categories, Shard = shard, Settings = settings ?? new Dictionary<string, string> { ["extractors"] = "plain" } },
            new CategoryImageGenerator(fake ?? new FakeTextToImageGenerator(), new CategoryGenerationOptions { PerCategory = perCategory, BatchSize = 2, Seed = 3 }),
            pipeline ?? new OfflinePipeline([new PlainBackgroundExtractor()], options: new OfflinePipelineOptions { BatchSize = 2 }));

    /// <summary>Instance ids with their PNG bytes' hash, and rejections: what two banks must share to be the same.</summary>
    private static string[] Contents(string folder)
    {
        using InstanceBankReader bank = InstanceBank.Open(folder);
        return
        [
            .. bank.Instances.Select(i => $"{i.Id} {i.CategoryId} {i.CategoryName} {i.Source} {i.Extractor} {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(bank.GetFullPath(i))))}"),
            .. bank.Rejections.Select(r => $"rejected {r.Source}: {r.Reason}"),
        ];
    }

    [Fact]
    public async Task Three_shards_merged_give_exactly_the_unsharded_bank()
    {
        string whole = _temp.File("whole");
        BankShardManifest single = await Run(whole, ShardSpec.Whole).RunAsync();
        Assert.True(single.Complete);
        Assert.Equal(Categories.Length, single.Summary!.Count);
        Assert.Equal(Categories.Length * 3, single.Summary.Values.Sum(s => s.Kept + s.Rejected));
        string[] expected = [.. Contents(Path.Combine(whole, "bank")).Order(StringComparer.Ordinal)];
        Assert.True(expected.Length >= Categories.Length * 2, "the fake images should mostly give instances");

        string sharded = _temp.File("sharded");
        var shardCategories = new List<string>();
        for (int k = 0; k < 3; k++)
        {
            BankShardManifest manifest = await Run(sharded, new ShardSpec(k, 3)).RunAsync();
            Assert.True(manifest.Complete);
            shardCategories.AddRange(manifest.Categories);
        }

        Assert.Equal(Categories.Select(c => c.Name).Order(), shardCategories.Order());
        string merged = _temp.File("sharded", "merged");
        ShardMergeResult result = ShardMerge.Merge(sharded, merged);
        Assert.Equal(3, result.ShardsMerged);
        Assert.Equal(expected, Contents(merged).Order(StringComparer.Ordinal));
        Assert.False(Directory.Exists(_temp.File("sharded", ".merged.merging")));
    }

    [Fact]
    public async Task A_bank_run_fills_each_shard_bank_through_the_one_offline_pipeline()
    {
        string root = _temp.File("counted");
        using var counter = new OfflineRunCounter(root);
        BankShardManifest manifest = await Run(root, new ShardSpec(1, 2)).RunAsync();
        Assert.Equal(1, counter.RunsInto(Path.Combine(root, manifest.Bank)));

        // The summary reads the typed rejections: counts by kind name, per category.
        Assert.All(manifest.Summary!.Values, s => Assert.Equal(s.Rejected, s.Reasons.Values.Sum()));
        Assert.All(manifest.Summary.Values.SelectMany(s => s.Reasons.Keys), k => Assert.Contains(k, RejectionKinds.All.Values));
    }

    [Fact]
    public async Task A_merge_of_three_shards_keeps_every_runner_up_score_and_rejection()
    {
        string root = _temp.File("scored");
        var shardInstances = new List<string>();
        var shardRejections = new List<BankRejection>();
        for (int k = 0; k < 3; k++)
        {
            // Two extractors scored by a filter whose bar sits just below each category's best: runners-up and
            // clip_rule rejections in every shard.
            var pipeline = new OfflinePipeline(
                [new PlainBackgroundExtractor(), new FakeExtractor("corner", FakeExtractor.Rectangle(0, 0, 12, 12))],
                new FakeFilter(minScore: 1000, tolerance: 0.5f), new OfflinePipelineOptions { BatchSize = 2 });
            BankShardManifest manifest = await Run(root, new ShardSpec(k, 3), pipeline: pipeline, perCategory: 4).RunAsync();
            using InstanceBankReader shard = InstanceBank.Open(Path.Combine(root, manifest.Bank));
            shardInstances.AddRange(shard.Instances.Select(Describe));
            shardRejections.AddRange(shard.Rejections);
        }

        Assert.NotEmpty(shardInstances);
        Assert.All(shardInstances, d => Assert.Contains("=", d, StringComparison.Ordinal));
        Assert.Contains(shardRejections, r => r.Kind == RejectionKind.ClipRule);

        string merged = _temp.File("scored-merged");
        ShardMergeResult result = ShardMerge.Merge(root, merged);
        Assert.Equal(shardRejections.Count, result.Rejections);
        using InstanceBankReader bank = InstanceBank.Open(merged);
        Assert.Equal(shardInstances.Order(StringComparer.Ordinal), bank.Instances.Select(Describe).Order(StringComparer.Ordinal));
        Assert.Equal(shardRejections.OrderBy(r => r.Source, StringComparer.Ordinal), bank.Rejections.OrderBy(r => r.Source, StringComparer.Ordinal));

        static string Describe(BankInstance i) => $"{i.Id} {i.Extractor} {i.ClipScore:R} " + string.Join(" ",
            (i.RunnerUpScores ?? new Dictionary<string, float>()).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value:R}"));
    }

    [Fact]
    public async Task A_merge_with_a_shard_missing_or_unfinished_names_them_and_their_categories()
    {
        string root = _temp.File("run");
        await Run(root, new ShardSpec(0, 3)).RunAsync();
        // Shard 2 started (its record exists) but was stopped before its bank was complete.
        using (var cts = new CancellationTokenSource())
        {
            var fake = new FakeTextToImageGenerator { CancelAfter = (1, cts) };
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run(root, new ShardSpec(2, 3), fake).RunAsync(cancellationToken: cts.Token));
        }

        var ex = Assert.Throws<IncompleteRunException>(() => ShardMerge.Merge(root, _temp.File("merged")));
        Assert.Equal([1], ex.MissingShards);
        Assert.Equal([2], ex.UnfinishedShards);
        string[] expectedMissing = [.. Categories.Select(c => c.Name).Where(n => ShardSpec.ShardOf(n, 3) != 0)];
        Assert.Equal(expectedMissing, ex.MissingCategories);
        Assert.Contains("shard 1 never ran", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("shard 2 did not finish", ex.Problem, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.File("merged")));

        ShardMergeResult partial = ShardMerge.Merge(root, _temp.File("merged"), allowPartial: true);
        Assert.Equal(1, partial.ShardsMerged);
        using InstanceBankReader bank = InstanceBank.Open(_temp.File("merged"));
        Assert.All(bank.Instances, i => Assert.Equal(0, ShardSpec.ShardOf(i.CategoryName, 3)));
    }

    [Fact]
    public async Task Shards_made_with_different_settings_are_not_merged()
    {
        string root = _temp.File("run");
        await Run(root, new ShardSpec(0, 2)).RunAsync();
        await Run(root, new ShardSpec(1, 2), settings: new Dictionary<string, string> { ["extractors"] = "u2net" }).RunAsync();

        var ex = Assert.Throws<RunSettingsConflictException>(() => ShardMerge.Merge(root, _temp.File("merged")));
        Assert.Equal("extractors", ex.Setting);
        Assert.Contains("'plain'", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("'u2net'", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resumed_shard_with_other_settings_is_refused_by_name()
    {
        string root = _temp.File("run");
        await Run(root, new ShardSpec(1, 2)).RunAsync();
        var ex = await Assert.ThrowsAsync<RunSettingsConflictException>(() =>
            Run(root, new ShardSpec(1, 2), settings: new Dictionary<string, string> { ["extractors"] = "plain", ["min_clip"] = "22" }).RunAsync());
        Assert.Equal("min_clip", ex.Setting);
    }

    [Fact]
    public async Task A_shard_interrupted_at_any_point_and_rerun_ends_identical()
    {
        string reference = _temp.File("reference");
        await Run(reference, new ShardSpec(0, 2), perCategory: 4).RunAsync();
        string[] expected = [.. Contents(Path.Combine(reference, "shard-0-of-2")).Order(StringComparer.Ordinal)];

        for (int stopAfter = 1; stopAfter <= 9; stopAfter += 4)
        {
            string root = _temp.File($"run-{stopAfter}");
            using (var cts = new CancellationTokenSource())
            {
                var fake = new FakeTextToImageGenerator { CancelAfter = (stopAfter, cts) };
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run(root, new ShardSpec(0, 2), fake, perCategory: 4).RunAsync(cancellationToken: cts.Token));
            }

            BankShardManifest manifest = await Run(root, new ShardSpec(0, 2), perCategory: 4).RunAsync();
            Assert.True(manifest.Complete);
            Assert.Equal(expected, Contents(Path.Combine(root, "shard-0-of-2")).Order(StringComparer.Ordinal));
        }
    }
}
