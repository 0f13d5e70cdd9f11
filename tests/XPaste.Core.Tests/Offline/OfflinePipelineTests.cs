using XPaste.Bank;
using XPaste.Extraction;
using XPaste.Offline;
using XPaste.Sources;

namespace XPaste.Tests.Offline;

public sealed class OfflinePipelineTests : IDisposable
{
    // Rectangle sides as fractions of the 60x80 canvas: 0 = no object (empty mask), 0.2 = 4% of the area (too
    // small); the fake filter scores a mask by its area (in percent).
    private static readonly Dictionary<string, double[]> Scenes = new()
    {
        ["apple"] = [0.5, 0.3, 0.0, 0.7, 0.4, 0.6],
        ["bottle"] = [0.6, 0.2, 0.45, 0.5, 0.35],
        ["cup"] = [0.8, 0.55, 0.3, 0.65, 0.25],
    };

    private const int ImageCount = 16;

    private readonly TempFolder _temp = new();
    private readonly string _images;

    public OfflinePipelineTests()
    {
        _images = _temp.File("generated");
        SceneFolder.Write(_images, Scenes);
    }

    public void Dispose() => _temp.Dispose();

    private static OfflinePipeline Stage(FakeFilter filter, params FakeExtractor[] extra) =>
        new([new PlainBackgroundExtractor(), .. extra], filter, new OfflinePipelineOptions { BatchSize = 2 });

    private FolderInstanceSource Source() => FolderInstanceSource.FromFolderNames(_images);

    /// <summary>What a bank holds, in a form two runs can be compared by: instance ids (content-addressed) and rejections.</summary>
    private static (string[] Instances, string[] Rejections) Contents(string folder)
    {
        using InstanceBankReader bank = InstanceBank.Open(folder);
        string[] instances = bank.Instances.Select(i => $"{i.Id} {i.Source} {i.Extractor} {i.ClipScore:F3}").Order(StringComparer.Ordinal).ToArray();
        string[] rejections = bank.Rejections.Select(r => $"{r.Source}: {r.Reason}").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(bank.Instances.Count, bank.Instances.Select(i => i.Source).Distinct().Count());
        return (instances, rejections);
    }

    private static void AssertSame((string[] Instances, string[] Rejections) expected, (string[] Instances, string[] Rejections) actual)
    {
        Assert.Equal(expected.Instances, actual.Instances);
        Assert.Equal(expected.Rejections, actual.Rejections);
    }

    private async Task<(string[] Instances, string[] Rejections)> ReferenceRun()
    {
        string folder = _temp.File("reference");
        using (InstanceBank bank = InstanceBank.Create(folder))
        {
            await Stage(new FakeFilter()).RunAsync(Source(), bank);
        }

        return Contents(folder);
    }

    [Fact]
    public async Task Writes_kept_instances_with_provenance_and_records_every_rejection()
    {
        var filter = new FakeFilter();
        var progress = new List<OperationProgress>();
        using InstanceBank bank = InstanceBank.Create(_temp.File("bank"));
        OfflineResult result = await Stage(filter).RunAsync(Source(), bank, new SyncProgress<OperationProgress>(progress.Add));

        // One decision per category over all of its images' scores, empty and wrongly sized masks included.
        Assert.Equal(new[] { 6, 5, 5 }, filter.DecideCalls.Select(c => c.Length));
        Assert.Equal(ImageCount, result.Added + result.Rejected);
        Assert.Equal(0, result.Skipped);
        Assert.Equal(result.Added, bank.Count);
        Assert.Equal(result.Rejected, bank.Rejections.Count);
        Assert.Equal(new Dictionary<string, int> { ["plain"] = result.Added }, result.AddedByExtractor);

        var reasons = bank.Rejections.ToDictionary(r => r.Source[(r.Source.IndexOf('/') + 1)..], r => r.Reason);
        Assert.Equal("empty mask", reasons["apple/0002.png"]);
        Assert.StartsWith("mask area 0.04", reasons["bottle/0001.png"], StringComparison.Ordinal);
        // apple/0001 (30% sides: 9% of the area) scores 9 < min(21, 49 - 1).
        Assert.StartsWith("clip score 9.", reasons["apple/0001.png"], StringComparison.Ordinal);
        Assert.EndsWith(" < 21.00", reasons["apple/0001.png"], StringComparison.Ordinal);
        BankRejection small = bank.Rejections.Single(r => r.Source.EndsWith("bottle/0001.png", StringComparison.Ordinal));
        Assert.Equal(("bottle", RejectionKind.AreaBelowMin, "plain", 0.05), (small.Category, small.Kind, small.Extractor, small.Limit));
        Assert.InRange(small.Value!.Value, 0.04, 0.05);

        BankInstance best = bank.Instances.Single(i => i.Source.EndsWith("cup/0000.png", StringComparison.Ordinal));
        Assert.Equal("plain", best.Extractor);
        Assert.Equal(64f, best.ClipScore!.Value, 0);
        Assert.Equal(Path.Combine(_images, "cup", "0000.png"), best.Origin);
        Assert.Equal((64, 48), (best.Width, best.Height));
        Assert.Equal("cup", best.CategoryName);

        Assert.Equal(ImageCount, progress[^1].Done);
        Assert.Equal(ImageCount, progress[^1].Total);
    }

    [Fact]
    public async Task Cancelled_then_resumed_gives_every_instance_exactly_once()
    {
        var expected = await ReferenceRun();
        string folder = _temp.File("resumed");
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress<OperationProgress>(p =>
        {
            if (p.Done >= 7)
            {
                cancel.Cancel();
            }
        });
        using (InstanceBank bank = InstanceBank.Create(folder))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Stage(new FakeFilter()).RunAsync(Source(), bank, progress, cancel.Token));
        }

        var partial = Contents(folder);
        // The first category (6 images) was finished and written; the unfinished one was dropped.
        Assert.Equal(6, partial.Instances.Length + partial.Rejections.Length);
        Assert.Subset(expected.Instances.ToHashSet(), partial.Instances.ToHashSet());

        OfflineResult resumed;
        using (InstanceBank bank = InstanceBank.OpenOrCreate(folder))
        {
            resumed = await Stage(new FakeFilter()).RunAsync(Source(), bank);
        }

        Assert.Equal(6, resumed.Skipped);
        Assert.Equal(ImageCount - 6, resumed.Added + resumed.Rejected);
        AssertSame(expected, Contents(folder));
    }

    [Fact]
    public async Task A_crash_mid_run_leaves_a_bank_the_next_run_completes_exactly()
    {
        var expected = await ReferenceRun();
        string live = _temp.File("live"), crashed = _temp.File("crashed");
        int seen = 0;
        InstanceBank? liveBank = null;
        // An empty mask never wins (it ties at best, and ties go to the first extractor), so the probe changes nothing.
        var crashing = new FakeExtractor("crash-probe", FakeExtractor.Rectangle(0, 0, 0, 0), count =>
        {
            seen += count;
            if (seen > 12)
            {
                // Freeze the folder as a dying process would leave it, with what a crash inside a write leaves.
                Assert.NotNull(liveBank);
                foreach (string file in Directory.EnumerateFiles(live, "*", SearchOption.AllDirectories))
                {
                    if (Path.GetFileName(file) is not (".lock" or ".lock-owner"))
                    {
                        string target = Path.Combine(crashed, Path.GetRelativePath(live, file));
                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        File.Copy(file, target);
                    }
                }

                string someImages = Directory.EnumerateDirectories(Path.Combine(crashed, InstanceBank.ImagesFolderName)).First();
                File.WriteAllBytes(Path.Combine(someImages, ".tmp-0123456789abcdef.png-42"), [0x89, 0x50, 0x4E]);
                File.Copy(Directory.EnumerateFiles(someImages, "*.png").First(), Path.Combine(someImages, "ffffffffffffffff.png"));
                File.WriteAllText(Path.Combine(crashed, "manifest", ".tmp-seg-99.json-42"), "{\"format\":");
                throw new IOException("simulated crash");
            }
        });

        using (liveBank = InstanceBank.Create(live))
        {
            await Assert.ThrowsAsync<IOException>(() => Stage(new FakeFilter(), crashing).RunAsync(Source(), liveBank));
        }

        OfflineResult resumed;
        using (InstanceBank bank = InstanceBank.OpenOrCreate(crashed))
        {
            Assert.Empty(Directory.EnumerateFiles(crashed, ".tmp-*", SearchOption.AllDirectories));
            resumed = await Stage(new FakeFilter()).RunAsync(Source(), bank);
        }

        Assert.True(resumed.Skipped is > 0 and < ImageCount, $"skipped {resumed.Skipped}");
        AssertSame(expected, Contents(crashed));
        Assert.Equal(expected.Instances.Length,
            Directory.EnumerateFiles(Path.Combine(crashed, InstanceBank.ImagesFolderName), "*.png", SearchOption.AllDirectories).Count());
    }

    [Fact]
    public async Task Without_a_filter_everything_that_passes_the_post_processing_is_kept()
    {
        using InstanceBank bank = InstanceBank.Create(_temp.File("bank"));
        var stage = new OfflinePipeline([new PlainBackgroundExtractor()]);
        OfflineResult result = await stage.RunAsync(Source(), bank);
        Assert.Equal(2, result.Rejected); // empty, too small
        Assert.Equal(ImageCount - 2, result.Added);
        Assert.All(bank.Instances, i => Assert.Null(i.ClipScore));
    }
}
