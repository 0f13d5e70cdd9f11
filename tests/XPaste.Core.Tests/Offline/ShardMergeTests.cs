using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Extraction;
using XPaste.Generation.Categories;
using XPaste.Offline;
using XPaste.Sharding;
using XPaste.Tests.Generation.Categories;

namespace XPaste.Tests.Offline;

/// <summary>Run records are data checked against the run folder; a finished merge rerun is a no-op.</summary>
public sealed class ShardMergeTests : IDisposable
{
    private static readonly CategoryInfo[] Categories = [new(1, "apple"), new(2, "bottle"), new(3, "cup"), new(4, "drum")];

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static Task<BankShardManifest> RunAsync(string output, ShardSpec shard) =>
        new BankRun(new BankRunOptions { OutputFolder = output, Categories = Categories, Shard = shard, Settings = new Dictionary<string, string> { ["extractors"] = "plain" } },
            new CategoryImageGenerator(new FakeTextToImageGenerator(), new CategoryGenerationOptions { PerCategory = 2, BatchSize = 2, Seed = 3 }),
            new OfflinePipeline([new PlainBackgroundExtractor()], options: new OfflinePipelineOptions { BatchSize = 2 })).RunAsync();

    private async Task<string> TwoShardsAsync(string name)
    {
        string root = _temp.File(name);
        await RunAsync(root, new ShardSpec(0, 2));
        await RunAsync(root, new ShardSpec(1, 2));
        return root;
    }

    private static Dictionary<string, byte[]> Files(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) is not (BankLock.FileName or BankLock.OwnerFileName))
            .ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes);

    [Theory]
    [InlineData("../elsewhere")]
    [InlineData("/tmp/absolute")]
    [InlineData("shard-0-of-2")]
    public async Task A_record_naming_another_bank_is_refused_and_never_followed(string bank)
    {
        string root = await TwoShardsAsync("run");
        string record = BankShardManifest.PathOf(root, 1, 2);
        (BankShardManifest.Read(record) with { Bank = bank }).Write(record);

        var ex = Assert.Throws<InvalidInputException>(() => ShardMerge.Merge(root, _temp.File("merged")));

        Assert.Equal(record, ex.Input);
        Assert.Equal($"names bank '{bank}', but shard 1 of 2 keeps its bank in 'shard-1-of-2' under the run folder; a record's bank is checked, never followed", ex.Problem);
        Assert.False(Directory.Exists(_temp.File("merged")));
    }

    [Fact]
    public async Task A_record_with_an_index_past_the_count_or_another_shards_content_says_so()
    {
        string root = await TwoShardsAsync("run");
        string past = Path.Combine(root, BankShardManifest.FolderName, "shard-5-of-2.json");
        File.Copy(BankShardManifest.PathOf(root, 1, 2), past);
        var ex = Assert.Throws<InvalidInputException>(() => ShardMerge.Merge(root, _temp.File("merged")));
        Assert.Equal(past, ex.Input);
        Assert.Equal("shard index 5 is past the shard count 2 (indices run 0..1)", ex.Problem);

        File.Delete(past);
        string record = BankShardManifest.PathOf(root, 0, 2);
        (BankShardManifest.Read(record) with { ShardIndex = 1 }).Write(record);
        ex = Assert.Throws<InvalidInputException>(() => ShardMerge.Merge(root, _temp.File("merged")));
        Assert.Equal(record, ex.Input);
        Assert.StartsWith("records shard 1 of 2 but is the record of shard 0 of 2", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_complete_shard_whose_bank_is_gone_is_named()
    {
        string root = await TwoShardsAsync("run");
        Directory.Delete(Path.Combine(root, "shard-0-of-2"), recursive: true);
        var ex = Assert.Throws<InvalidInputException>(() => ShardMerge.Merge(root, _temp.File("merged")));
        Assert.Equal(Path.Combine(root, "shard-0-of-2"), ex.Input);
        Assert.Contains("shard 0's bank is missing", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Merging_again_from_the_same_shards_is_a_no_op_that_says_so()
    {
        string root = await TwoShardsAsync("run");
        string merged = _temp.File("merged");
        ShardMergeResult first = ShardMerge.Merge(root, merged);
        Assert.False(first.AlreadyMerged);
        Dictionary<string, byte[]> before = Files(merged);
        Assert.Contains("merge.json", before.Keys);

        ShardMergeResult again = ShardMerge.Merge(root, merged);

        Assert.True(again.AlreadyMerged);
        Assert.Equal(first with { AlreadyMerged = true }, again);
        Dictionary<string, byte[]> after = Files(merged);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, kv => Assert.Equal(kv.Value, after[kv.Key]));
    }

    [Fact]
    public async Task A_merged_bank_of_other_inputs_is_refused_by_name()
    {
        string root = _temp.File("run");
        await RunAsync(root, new ShardSpec(0, 2));
        string merged = _temp.File("merged");
        Assert.Equal(1, ShardMerge.Merge(root, merged, allowPartial: true).ShardsMerged);
        await RunAsync(root, new ShardSpec(1, 2));

        var ex = Assert.Throws<InvalidInputException>(() => ShardMerge.Merge(root, merged));

        Assert.Equal(merged, ex.Input);
        Assert.Equal("holds a bank merged from other inputs (shard 1 was not part of it); give a new folder, or delete it to merge again", ex.Problem);

        // A folder of other files (no merge record) is refused as before.
        string other = _temp.File("other");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "notes.txt"), "x");
        ex = Assert.Throws<InvalidInputException>(() => ShardMerge.Merge(root, other));
        Assert.Equal("exists and is not empty; give a new folder for the merged bank", ex.Problem);
    }

    [Fact]
    public async Task The_same_run_in_another_folder_writes_the_same_bank_bytes()
    {
        string a = _temp.File("mount-a", "run");
        string b = _temp.File("elsewhere", "deeper", "run");
        await RunAsync(a, new ShardSpec(0, 2));
        await RunAsync(b, new ShardSpec(0, 2));

        Dictionary<string, byte[]> first = Files(Path.Combine(a, "shard-0-of-2")), second = Files(Path.Combine(b, "shard-0-of-2"));

        Assert.NotEmpty(first);
        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        Assert.All(first, kv => Assert.True(kv.Value.AsSpan().SequenceEqual(second[kv.Key]), $"{kv.Key} differs between the two folders"));
        using InstanceBankReader bank = InstanceBank.Open(Path.Combine(a, "shard-0-of-2"));
        Assert.All(bank.Instances, i => Assert.StartsWith("images/", i.Origin, StringComparison.Ordinal));
    }
}
