using XPaste.Augment;
using XPaste.Coco;
using XPaste.Imaging;
using static TorchSharp.torch;

namespace XPaste.Tests.Output;

/// <summary>
/// Resumable runs: 7 samples of a 5-image synthetic dataset (so the run wraps into a second epoch) in batches of 2
/// (2, 2, 2, 1), tiny 64x48 outputs. Every interrupted and resumed run must end with the bytes an uninterrupted run writes.
/// </summary>
public sealed class AugmentRunTests : IDisposable
{
    private const int Count = 7;
    private const int Batch = 2;

    private readonly InMemoryImageSource _images = SyntheticData.Dataset(5);
    private readonly InMemoryInstancePool _pool = SyntheticData.Pool(10);
    private readonly CountingSource _dataset;
    private readonly CocoCategory[] _categories = [.. Enumerable.Range(1, 5).Select(i => new CocoCategory { Id = i, Name = $"c{i}" })];
    private readonly TempFolder _temp = new();

    public AugmentRunTests() => _dataset = new CountingSource(_images);

    public void Dispose()
    {
        _images.Dispose();
        _pool.Dispose();
        _temp.Dispose();
    }

    private sealed record Settings(long Seed = 3, int Count = Count, int Batch = Batch, AugmentedImageFormat Format = AugmentedImageFormat.Jpeg,
        int Width = 64, PastePolicyKind Policy = PastePolicyKind.Both, string DatasetInput = "a", bool Overwrite = false, string Images = "images");

    private XPasteAugmenter Augmenter(Settings s) =>
        XPastePipeline.CreateBuilder()
            .UseDataset(_dataset)
            .UseInstancePool(_pool)
            .Configure(o =>
            {
                o.Seed = s.Seed;
                o.Policy = s.Policy;
                o.BatchSize = s.Batch;
                o.Jitter.OutputWidth = s.Width;
                o.Jitter.OutputHeight = 48;
                o.Jitter.MinScale = 0.8;
                o.Jitter.MaxScale = 1.25;
            })
            .Build();

    private AugmentRun Run(string folder, Settings? settings = null)
    {
        Settings s = settings ?? new Settings();
        return new AugmentRun(Augmenter(s), _categories, folder, new AugmentRunOptions
        {
            Count = s.Count,
            Writer = new CocoPasteWriterOptions { Format = s.Format, ImagesFolderName = s.Images },
            Overwrite = s.Overwrite,
            Inputs = new Dictionary<string, string> { ["dataset-file"] = s.DatasetInput },
        });
    }

    /// <summary>Runs until <paramref name="batches"/> batches are committed in this session, then cancels.</summary>
    private void RunAndCancelAfter(string folder, int batches, Settings? settings = null)
    {
        using var cancel = new CancellationTokenSource();
        int committed = 0;
        bool first = true;
        var progress = new SyncProgress<OperationProgress>(p =>
        {
            if (!first && ++committed >= batches)
            {
                cancel.Cancel();
            }

            first = false;
        });
        Assert.ThrowsAny<OperationCanceledException>(() => Run(folder, settings).Run(progress, cancel.Token));
    }

    private string Reference(Settings? settings = null, string name = "reference")
    {
        string folder = _temp.File(name);
        AugmentRunResult result = Run(folder, settings).Run();
        Assert.False(result.AlreadyComplete);
        return folder;
    }

    private static string StateFile(string folder, string name) => Path.Combine(folder, AugmentRun.StateFolderName, name);

    private static string BatchFile(string folder, int batch) => StateFile(folder, $"batch-{batch:D8}.json");

    /// <summary>The output files (everything but the progress folder), relative path to bytes.</summary>
    private static SortedDictionary<string, byte[]> OutputFiles(string folder) =>
        new(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(p => !Path.GetRelativePath(folder, p).StartsWith(AugmentRun.StateFolderName, StringComparison.Ordinal))
            .ToDictionary(p => Path.GetRelativePath(folder, p).Replace('\\', '/'), File.ReadAllBytes), StringComparer.Ordinal);

    private static void AssertSameOutput(string expected, string actual)
    {
        SortedDictionary<string, byte[]> want = OutputFiles(expected), got = OutputFiles(actual);
        Assert.Equal(want.Keys, got.Keys);
        foreach ((string name, byte[] bytes) in want)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(got[name]), $"{name} differs");
        }
    }

    private static void AssertFinished(string folder)
    {
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(folder, AugmentRun.StateFolderName), "batch-*"));
        Assert.Empty(Directory.EnumerateFiles(folder, ".tmp-*", SearchOption.AllDirectories));
        Assert.Contains("\"complete\": true", File.ReadAllText(StateFile(folder, "manifest.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void An_uninterrupted_run_writes_what_CocoPasteWriter_and_PreviewMosaic_write()
    {
        string folder = Reference();
        AssertFinished(folder);

        // The same samples by hand: sample i is position i % n of epoch i / n, in batches of 2.
        string manual = _temp.File("manual");
        XPasteAugmenter augmenter = Augmenter(new Settings());
        var writer = new CocoPasteWriter(manual, _categories);
        int n = _dataset.Images.Count;
        for (int start = 0; start < Count; start += Batch)
        {
            using var scope = NewDisposeScope();
            int[] indices = [.. Enumerable.Range(start, Math.Min(Batch, Count - start)).Select(i => augmenter.EpochOrder(i / n)[i % n])];
            using AugmentedBatch batch = augmenter.Augment(indices, start);
            writer.Add(batch);
            if (start == 0)
            {
                // The preview: each sample beside its original (its plan replayed without pastes), labelled by category name.
                using AugmentedBatch originals = augmenter.Replay([.. batch.Plans.Select(p => p with { Steps = [] })]);
                var names = _categories.ToDictionary(c => c.Id, c => c.Name);
                ImageIO.SavePng(PreviewMosaic.Draw(batch, originals, new PreviewMosaicOptions { CategoryNames = names }), Path.Combine(manual, AugmentRun.PreviewFileName));
            }
        }

        writer.Save();
        AssertSameOutput(manual, folder);
        Assert.Equal(Count, OutputFiles(folder).Keys.Count(k => k.StartsWith("images/", StringComparison.Ordinal)));
        CocoDataset written = CocoDataset.Load(Path.Combine(folder, AugmentRun.AnnotationsFileName));
        Assert.Equal(writer.AnnotationCount, written.Annotations.Count);
        Assert.True(written.Annotations.Count > Count, "the samples should have objects");
        Assert.Equal(Enumerable.Range(1, written.Annotations.Count).Select(i => (long)i), written.Annotations.Select(a => a.Id));
    }

    [Fact]
    public void A_cancelled_run_resumes_without_remaking_its_batches_and_ends_with_identical_files()
    {
        string reference = Reference(new Settings(Policy: PastePolicyKind.XPaste));
        string folder = _temp.File("out");
        RunAndCancelAfter(folder, 2, new Settings(Policy: PastePolicyKind.XPaste));
        Assert.True(File.Exists(BatchFile(folder, 0)) && File.Exists(BatchFile(folder, 1)));
        Assert.False(File.Exists(BatchFile(folder, 2)));
        Assert.False(File.Exists(Path.Combine(folder, AugmentRun.AnnotationsFileName)));
        Assert.True(File.Exists(Path.Combine(folder, AugmentRun.PreviewFileName)));

        // With the X-Paste policy alone, each made sample loads its destination exactly once.
        _dataset.Loads = 0;
        var reports = new List<OperationProgress>();
        AugmentRunResult result = Run(folder, new Settings(Policy: PastePolicyKind.XPaste)).Run(new SyncProgress<OperationProgress>(reports.Add));
        Assert.Equal((2, 2, false), (result.BatchesReused, result.BatchesWritten, result.AlreadyComplete));
        Assert.Equal(3, _dataset.Loads);
        Assert.Equal(new long[] { 4, 6, 7 }, reports.Select(r => r.Done));
        Assert.All(reports, r => Assert.Equal(Count, r.Total));
        Assert.Equal(Count, result.Images);
        AssertSameOutput(reference, folder);
        AssertFinished(folder);
    }

    [Fact]
    public void A_crash_with_temporary_files_a_torn_and_a_missing_batch_file_is_repaired_by_the_rerun()
    {
        string reference = Reference();
        string folder = _temp.File("out");
        RunAndCancelAfter(folder, 3);

        // What a crash can leave: batch 1's file torn, batch 2's images written but not its file (one of them half
        // written), and temporary files of every kind.
        byte[] torn = File.ReadAllBytes(BatchFile(folder, 1));
        File.WriteAllBytes(BatchFile(folder, 1), torn[..(torn.Length / 2)]);
        File.Delete(BatchFile(folder, 2));
        File.WriteAllBytes(Path.Combine(folder, "images", "000005.jpg"), [0xFF, 0xD8, 0xFF]);
        File.WriteAllText(StateFile(folder, $".tmp-batch-00000003.json-{Guid.NewGuid():N}"), "{\"images\":[");
        File.WriteAllBytes(Path.Combine(folder, "images", $".tmp-000007.jpg-{Guid.NewGuid():N}"), [0xFF, 0xD8]);
        File.WriteAllText(Path.Combine(folder, $".tmp-annotations.json-{Guid.NewGuid():N}"), "{\"info\"");

        AugmentRunResult result = Run(folder).Run();
        Assert.Equal((1, 3), (result.BatchesReused, result.BatchesWritten));
        AssertSameOutput(reference, folder);
        AssertFinished(folder);
    }

    [Fact]
    public void A_committed_batch_whose_image_is_gone_is_made_again()
    {
        string reference = Reference();
        string folder = _temp.File("out");
        RunAndCancelAfter(folder, 2);
        File.Delete(Path.Combine(folder, "images", "000003.jpg"));

        AugmentRunResult result = Run(folder).Run();
        Assert.Equal((1, 3), (result.BatchesReused, result.BatchesWritten));
        AssertSameOutput(reference, folder);
    }

    [Fact]
    public void A_crash_before_assembly_is_finished_without_making_any_sample_again()
    {
        Settings settings = new(Policy: PastePolicyKind.XPaste);
        string reference = Reference(settings);
        string folder = _temp.File("out");
        // Cancelled after the last batch: every batch is committed, nothing is assembled.
        RunAndCancelAfter(folder, 4, settings);
        Assert.True(File.Exists(BatchFile(folder, 3)));
        Assert.False(File.Exists(Path.Combine(folder, AugmentRun.AnnotationsFileName)));
        File.WriteAllText(Path.Combine(folder, $".tmp-plans.jsonl-{Guid.NewGuid():N}"), "{");

        _dataset.Loads = 0;
        AugmentRunResult result = Run(folder, settings).Run();
        Assert.Equal((4, 0, 0), (result.BatchesReused, result.BatchesWritten, _dataset.Loads));
        AssertSameOutput(reference, folder);
        AssertFinished(folder);
    }

    [Fact]
    public void A_lost_preview_is_drawn_again_from_the_first_batch_alone()
    {
        Settings settings = new(Policy: PastePolicyKind.XPaste);
        string reference = Reference(settings);
        string folder = _temp.File("out");
        RunAndCancelAfter(folder, 4, settings);
        File.Delete(Path.Combine(folder, AugmentRun.PreviewFileName));

        _dataset.Loads = 0;
        Run(folder, settings).Run();
        // The first batch's destinations only: once for the batch, once for its originals beside it in the preview.
        Assert.Equal(2 * Batch, _dataset.Loads);
        AssertSameOutput(reference, folder);
    }

    [Fact]
    public void A_complete_run_does_nothing_when_run_again_and_is_made_again_when_its_files_are_gone()
    {
        Settings settings = new(Policy: PastePolicyKind.XPaste);
        string folder = Reference(settings);
        SortedDictionary<string, byte[]> before = OutputFiles(folder);
        DateTime written = File.GetLastWriteTimeUtc(Path.Combine(folder, AugmentRun.AnnotationsFileName));

        _dataset.Loads = 0;
        var reports = new List<OperationProgress>();
        AugmentRunResult again = Run(folder, settings).Run(new SyncProgress<OperationProgress>(reports.Add));
        Assert.True(again.AlreadyComplete);
        Assert.Equal((0, 0, 0), (again.BatchesReused, again.BatchesWritten, _dataset.Loads));
        Assert.Equal(Count, again.Images);
        Assert.Equal(CocoDataset.Load(again.AnnotationsPath).Annotations.Count, again.Annotations);
        Assert.Equal(Count, Assert.Single(reports).Done);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(folder, AugmentRun.AnnotationsFileName)));

        File.Delete(Path.Combine(folder, AugmentRun.AnnotationsFileName));
        AugmentRunResult remade = Run(folder, settings).Run();
        Assert.Equal((0, 4, false), (remade.BatchesReused, remade.BatchesWritten, remade.AlreadyComplete));
        SortedDictionary<string, byte[]> after = OutputFiles(folder);
        Assert.Equal(before.Keys, after.Keys);
        Assert.All(before, p => Assert.Equal(p.Value, after[p.Key]));
    }

    [Fact]
    public void A_larger_count_extends_a_finished_run_to_what_a_fresh_run_of_that_count_writes()
    {
        string folder = _temp.File("out");
        Assert.Equal(Count, Run(folder).Run().Images);
        AugmentRunResult extended = Run(folder, new Settings(Count: Count + 4)).Run();
        Assert.Equal((Count + 4, false), (extended.Images, extended.AlreadyComplete));

        string fresh = _temp.File("fresh");
        Run(fresh, new Settings(Count: Count + 4)).Run();
        AssertSameOutput(fresh, folder);
        Assert.True(Run(folder, new Settings(Count: Count + 4)).Run().AlreadyComplete);
    }

    [Theory]
    [InlineData("Seed")]
    [InlineData(AugmentRunSettingNames.Count)]
    [InlineData("BatchSize")]
    [InlineData("Jitter.OutputWidth")]
    [InlineData("Policy")]
    [InlineData(AugmentRunSettingNames.WriterPrefix + nameof(CocoPasteWriterOptions.Format))]
    [InlineData("dataset-file")]
    public void A_run_with_a_changed_setting_is_refused_naming_it_and_writes_nothing(string setting)
    {
        string folder = _temp.File("out");
        RunAndCancelAfter(folder, 1);
        SortedDictionary<string, byte[]> before = OutputFiles(folder);
        byte[] manifest = File.ReadAllBytes(StateFile(folder, "manifest.json"));

        Settings changed = setting switch
        {
            "Seed" => new Settings(Seed: 4),
            "Count" => new Settings(Count: 5), // fewer images: a larger count extends the run instead (below)
            "BatchSize" => new Settings(Batch: 3),
            "Jitter.OutputWidth" => new Settings(Width: 80),
            "Policy" => new Settings(Policy: PastePolicyKind.XPaste),
            "Writer.Format" => new Settings(Format: AugmentedImageFormat.Png),
            _ => new Settings(DatasetInput: "b"),
        };
        var ex = Assert.Throws<AugmentRunConflictException>(() => Run(folder, changed).Run());
        Assert.Contains(ex.Differences, d => d.Setting == setting);
        Assert.Contains(setting, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith(Path.GetFullPath(folder), ex.Message, StringComparison.Ordinal);
        AugmentRunSettingChange change = ex.Differences.First(d => d.Setting == setting);
        Assert.NotEqual(change.Recorded, change.Current);

        Assert.Equal(manifest, File.ReadAllBytes(StateFile(folder, "manifest.json")));
        SortedDictionary<string, byte[]> after = OutputFiles(folder);
        Assert.Equal(before.Keys, after.Keys);
        Assert.True(File.Exists(BatchFile(folder, 0)));
    }

    [Fact]
    public void Overwrite_deletes_the_earlier_run_and_only_it_then_writes_what_a_fresh_run_writes()
    {
        Settings other = new(Seed: 5, Count: 3, Format: AugmentedImageFormat.Png, Overwrite: true);
        string reference = Reference(other with { Overwrite = false });
        string folder = _temp.File("out");
        Run(folder, new Settings(Images: "pics")).Run();
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "mine");
        File.WriteAllText(Path.Combine(folder, "pics", "keep.txt"), "mine too");

        AugmentRunResult result = Run(folder, other).Run();
        Assert.Equal((0, 2, 3), (result.BatchesReused, result.BatchesWritten, result.Images));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(folder, "notes.txt")));
        Assert.Equal(["keep.txt"], Directory.EnumerateFiles(Path.Combine(folder, "pics")).Select(Path.GetFileName));
        File.Delete(Path.Combine(folder, "notes.txt"));
        File.Delete(Path.Combine(folder, "pics", "keep.txt"));
        // The earlier run's 7 JPEGs (in its own images folder) are gone: the folder holds exactly the fresh run's files.
        AssertSameOutput(reference, folder);
        AssertFinished(folder);
    }

    [Fact]
    public void Overwrite_also_clears_an_interrupted_run_and_Clear_leaves_other_files()
    {
        string reference = Reference();
        string folder = _temp.File("out");
        RunAndCancelAfter(folder, 2, new Settings(Seed: 9));
        File.WriteAllBytes(BatchFile(folder, 1), [1, 2, 3]);
        Run(folder, new Settings(Overwrite: true)).Run();
        AssertSameOutput(reference, folder);

        File.WriteAllText(Path.Combine(folder, "notes.txt"), "mine");
        Assert.Equal(Count + 4, AugmentRun.Clear(folder));
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void An_output_that_no_run_recorded_is_refused_unless_overwritten()
    {
        string folder = _temp.File("out");
        using (var scope = NewDisposeScope())
        {
            var writer = new CocoPasteWriter(folder, _categories);
            using AugmentedBatch batch = Augmenter(new Settings()).Augment([0, 1], 0);
            writer.Add(batch);
            writer.Save();
        }

        var ex = Assert.Throws<AugmentRunConflictException>(() => Run(folder).Run());
        Assert.Empty(ex.Differences);
        Assert.Contains(AugmentRun.AnnotationsFileName, ex.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(folder, AugmentRun.StateFolderName)));

        Run(folder, new Settings(Overwrite: true)).Run();
        AssertSameOutput(Reference(), folder);
    }

    [Fact]
    public async Task Input_identities_follow_a_file_s_content_and_a_folder_s_full_path()
    {
        string file = _temp.File("instances.json");
        await File.WriteAllTextAsync(file, "{\"images\":[]}");
        string first = await AugmentRunInputs.FileIdentityAsync(file);
        Assert.Equal("sha256 " + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file))) + ", 13 bytes", first);

        await File.WriteAllTextAsync(file, "{\"images\":[1]}"); // edited in place: same path, other content
        Assert.NotEqual(first, await AugmentRunInputs.FileIdentityAsync(file));
        await Assert.ThrowsAsync<InvalidInputException>(() => AugmentRunInputs.FileIdentityAsync(_temp.File("missing.json")));

        Assert.Equal(Path.GetFullPath(_temp.File("images")), AugmentRunInputs.FolderIdentity(_temp.File("images") + Path.DirectorySeparatorChar));
        Assert.Equal("Jitter.OutputWidth", AugmentRunSettingNames.Path(nameof(XPasteOptions.Jitter), nameof(LargeScaleJitterOptions.OutputWidth)));
    }

    [Fact]
    public async Task RunAsync_writes_what_Run_writes()
    {
        string folder = _temp.File("async");
        AugmentRunResult result = await Run(folder).RunAsync();
        Assert.Equal(Count, result.Images);
        AssertSameOutput(Reference(), folder);
    }

    [Fact]
    public void A_folder_another_run_is_writing_to_is_refused()
    {
        string folder = _temp.File("out");
        Directory.CreateDirectory(Path.Combine(folder, AugmentRun.StateFolderName));
        using var held = new FileStream(StateFile(folder, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var ex = Assert.Throws<AugmentRunLockedException>(() => Run(folder).Run());
        Assert.Equal(folder, ex.Folder);
        Assert.Equal(StateFile(folder, ".lock"), ex.LockFile);
        Assert.IsAssignableFrom<FolderLockedException>(ex);
        Assert.False(File.Exists(StateFile(folder, "manifest.json")));
    }

    /// <summary>Counts how many images the augmenter loads (one per made sample under the X-Paste policy alone).</summary>
    private sealed class CountingSource(IAnnotatedImageSource inner) : IAnnotatedImageSource
    {
        public int Loads;

        public IReadOnlyList<AnnotatedImageInfo> Images => inner.Images;

        public AnnotatedImage Load(int index)
        {
            Interlocked.Increment(ref Loads);
            return inner.Load(index);
        }
    }
}
