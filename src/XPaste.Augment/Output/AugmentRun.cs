using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.Coco;
using XPaste.Imaging;
using XPaste.IO;
using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// Writes <see cref="AugmentRunOptions.Count"/> augmented samples of a dataset as a COCO dataset, resumably: what
/// <see cref="CocoPasteWriter"/> writes (images, <c>annotations.json</c>, <c>plans.jsonl</c>) plus <c>preview.png</c>,
/// with the progress kept in the output folder so that a run stopped by cancellation, a crash or a power cut continues
/// where it stopped and ends with exactly the files an uninterrupted run writes.
/// <para>
/// Sample <c>i</c> is position <c>i mod n</c> of epoch <c>i / n</c> of the augmenter's epoch order (n = dataset size),
/// made with sample index <c>i</c>, so it depends only on the seed, <c>i</c> and the inputs; batches are
/// <see cref="XPasteOptions.BatchSize"/> consecutive samples. Progress lives in <c>OUT/.xpaste-run/</c>:
/// <c>manifest.json</c> records every setting and input identity that determines the output (written before anything
/// else), and each finished batch commits <c>batch-NNNNNNNN.json</c> (its annotations and plans) after its images. All
/// files are written to a temporary file and renamed. A rerun with equal settings skips the committed batches without
/// computing them, makes the others, then assembles <c>annotations.json</c> and <c>plans.jsonl</c> from the batch files
/// (streaming, one batch in memory at a time), marks the manifest complete and deletes the batch files; the manifest
/// stays, so running again finds the output complete and does nothing. A rerun with other settings or inputs is
/// refused with <see cref="AugmentRunConflictException"/> (unless <see cref="AugmentRunOptions.Overwrite"/>).
/// </para>
/// <para>
/// The preview is drawn from the first batch when it is made (before its batch file), and made again at the end only if
/// it is missing. One run at a time may write to a folder (a lock file in the progress folder, released by the
/// operating system if the process dies). Not thread-safe.
/// </para>
/// </summary>
public sealed partial class AugmentRun
{
    /// <summary>The progress folder's name, inside the output folder.</summary>
    public const string StateFolderName = ".xpaste-run";

    /// <summary>The COCO file's name, inside the output folder.</summary>
    public const string AnnotationsFileName = "annotations.json";

    /// <summary>The plans file's name, inside the output folder.</summary>
    public const string PlansFileName = "plans.jsonl";

    /// <summary>The preview's name, inside the output folder.</summary>
    public const string PreviewFileName = "preview.png";

    private const string LockFileName = ".lock";
    private const string TemporaryPrefix = ".tmp-";

    private readonly XPasteAugmenter _augmenter;
    private readonly IReadOnlyList<CocoCategory> _categories;
    private readonly ILogger _logger;

    /// <summary>Prepares a run; nothing is read or written until <see cref="Run"/>.</summary>
    /// <param name="augmenter">The augmenter, with a dataset (its destinations); not disposed.</param>
    /// <param name="categories">The dataset's categories, copied to <c>annotations.json</c>.</param>
    /// <param name="outputFolder">Where the output goes.</param>
    /// <param name="options">The run's settings; defaults when null.</param>
    /// <param name="logger">Receives resume and clean-up messages; none when null.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public AugmentRun(XPasteAugmenter augmenter, IReadOnlyList<CocoCategory> categories, string outputFolder, AugmentRunOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(augmenter);
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        options ??= new AugmentRunOptions();
        if (augmenter.Dataset is not { Images.Count: > 0 })
        {
            throw new ArgumentException("the augmenter needs a dataset with at least one image", nameof(augmenter));
        }

        options.Validate();

        _augmenter = augmenter;
        _categories = categories;
        _logger = logger ?? NullLogger.Instance;
        Options = options;
        OutputFolder = Path.GetFullPath(outputFolder);
        BatchCount = (int)((options.Count + (long)augmenter.Options.BatchSize - 1) / augmenter.Options.BatchSize);
    }

    /// <summary>The output folder (full path).</summary>
    public string OutputFolder { get; }

    /// <summary>The run's settings.</summary>
    public AugmentRunOptions Options { get; }

    /// <summary>How many batches the run has: <see cref="AugmentRunOptions.Count"/> / <see cref="XPasteOptions.BatchSize"/>, rounded up.</summary>
    public int BatchCount { get; }

    private string StateFolder => Path.Combine(OutputFolder, StateFolderName);

    /// <summary>
    /// Makes the samples not yet committed, then assembles the output. Cancellation stops at the next batch boundary
    /// (committed batches stay; run again to resume) by throwing <see cref="OperationCanceledException"/>.
    /// Synchronous: it runs on the calling thread until done (the augmenter's prefetch thread makes the samples);
    /// <see cref="RunAsync"/> runs it on a thread-pool thread.
    /// </summary>
    /// <param name="progress">Reports stage <c>augment</c> in images; the batches an earlier run committed count as done.</param>
    /// <param name="cancellationToken">Stops the run between batches.</param>
    /// <returns>What was done.</returns>
    /// <exception cref="AugmentRunConflictException">The folder holds another run's output (and <see cref="AugmentRunOptions.Overwrite"/> is off).</exception>
    /// <exception cref="AugmentRunLockedException">Another run is writing to the folder.</exception>
    /// <exception cref="IOException">A file cannot be written.</exception>
    public AugmentRunResult Run(IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        bool fresh = !Directory.Exists(StateFolder);
        Directory.CreateDirectory(StateFolder);
        try
        {
            return RunLocked(progress, cancellationToken);
        }
        catch (AugmentRunConflictException) when (fresh)
        {
            // Refused before writing anything: leave the folder as it was found.
            FileCleanup.TryDelete(Path.Combine(StateFolder, LockFileName));
            TryDeleteEmptyFolder(StateFolder);
            throw;
        }
    }

    /// <summary>
    /// <see cref="Run"/> on a thread-pool thread, for callers that must not block (a UI, a host's start-up): the run is
    /// long work and file I/O throughout.
    /// </summary>
    /// <param name="progress">As for <see cref="Run"/>.</param>
    /// <param name="cancellationToken">As for <see cref="Run"/>.</param>
    /// <returns>What was done.</returns>
    /// <exception cref="AugmentRunConflictException">As for <see cref="Run"/>.</exception>
    /// <exception cref="AugmentRunLockedException">As for <see cref="Run"/>.</exception>
    public Task<AugmentRunResult> RunAsync(IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Run(progress, cancellationToken), cancellationToken);

    private AugmentRunResult RunLocked(IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        using IDisposable runLock = RunLock.Acquire(Path.Combine(StateFolder, LockFileName), OutputFolder);
        if (Options.Overwrite && ClearFiles(OutputFolder, Options.Writer) is var removed and > 0)
        {
            Log.RunCleared(_logger, OutputFolder, removed);
        }

        AugmentRunManifest current = AugmentRunManifest.Describe(_augmenter, _categories, Options);
        string manifestPath = Path.Combine(StateFolder, AugmentRunManifest.FileName);
        AugmentRunManifest? recorded = AugmentRunManifest.Read(manifestPath, OutputFolder);
        if (recorded is null)
        {
            if (FindForeignOutput(OutputFolder, Options.Writer) is { } foreign)
            {
                throw new AugmentRunConflictException(OutputFolder,
                    $"it already holds {foreign}, not written by a resumable run; write to another folder, or overwrite it", []);
            }

            current.Save(manifestPath);
        }
        else
        {
            List<AugmentRunSettingChange> changes = recorded.Compare(current);
            if (IsExtension(changes))
            {
                // More images of the same run: its samples do not depend on the count, so the run continues to the
                // new count (the batches already written are made again, the same bytes) instead of being refused.
                Log.RunExtended(_logger, OutputFolder, changes[0].Recorded!, changes[0].Current!);
                current.Save(manifestPath);
                RemoveTemporaryFiles();
                return Continue(current, manifestPath, progress, cancellationToken);
            }

            if (changes.Count > 0)
            {
                throw new AugmentRunConflictException(OutputFolder,
                    $"it holds a run made with other settings ({string.Join("; ", changes)}); write to another folder, or overwrite it", changes);
            }

            if (recorded.Complete && FinalFilesExist())
            {
                DeleteBatchFiles();
                Log.RunAlreadyComplete(_logger, OutputFolder);
                progress?.Report(new OperationProgress("augment", Options.Count, Options.Count, "images"));
                return new AugmentRunResult(OutputFolder, recorded.Images ?? Options.Count, recorded.Annotations ?? 0, 0, 0, AlreadyComplete: true);
            }

            if (recorded.Complete)
            {
                // The finished files were removed: make them again (from whatever batch files are left).
                current.Save(manifestPath);
            }
        }

        RemoveTemporaryFiles();
        return Continue(current, manifestPath, progress, cancellationToken);
    }

    /// <summary>
    /// Deletes what runs leave in an output folder, as <see cref="AugmentRunOptions.Overwrite"/> does: the progress
    /// folder, <c>annotations.json</c>, <c>plans.jsonl</c>, <c>preview.png</c>, the numbered image files
    /// (<c>000001.jpg</c>, ...) and temporary files. Other files are left alone.
    /// </summary>
    /// <param name="outputFolder">The output folder; nothing happens when it does not exist.</param>
    /// <param name="writer">The image layout the run used (its images folder); defaults when null.</param>
    /// <returns>How many files were deleted.</returns>
    /// <exception cref="AugmentRunLockedException">A run is writing to the folder.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public static int Clear(string outputFolder, CocoPasteWriterOptions? writer = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        writer ??= new CocoPasteWriterOptions();
        writer.Validate();
        string folder = Path.GetFullPath(outputFolder);
        string state = Path.Combine(folder, StateFolderName);
        if (!Directory.Exists(state))
        {
            return ClearFiles(folder, writer);
        }

        string lockPath = Path.Combine(state, LockFileName);
        int removed;
        using (RunLock.Acquire(lockPath, folder))
        {
            removed = ClearFiles(folder, writer);
        }

        FileCleanup.TryDelete(lockPath);
        TryDeleteEmptyFolder(state);
        return removed;
    }

    private AugmentRunResult Continue(AugmentRunManifest manifest, string manifestPath, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        int batchSize = _augmenter.Options.BatchSize;
        var batchFiles = new string[BatchCount];
        var committed = new bool[BatchCount];
        int reused = 0, done = 0;
        for (int b = 0; b < BatchCount; b++)
        {
            batchFiles[b] = RunBatchFile.PathOf(StateFolder, b);
            if (RunBatchFile.TryRead(batchFiles[b], Header(manifest, b), OutputFolder, Options.Writer, out string? problem) is not null)
            {
                committed[b] = true;
                reused++;
                done += SizeOf(b);
            }
            else if (File.Exists(batchFiles[b]))
            {
                Log.BatchFileDiscarded(_logger, batchFiles[b], problem ?? "unusable");
                File.Delete(batchFiles[b]);
            }
        }

        if (reused > 0)
        {
            Log.RunResumed(_logger, OutputFolder, reused, BatchCount);
        }

        progress?.Report(new OperationProgress("augment", done, Options.Count, "images"));
        int written = 0;
        bool previewWritten = false;
        var orders = new EpochOrders(_augmenter);
        for (int b = 0; b < BatchCount; b++)
        {
            if (committed[b])
            {
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            long first = (long)b * batchSize;
            int size = SizeOf(b);
            using (var scope = NewDisposeScope())
            using (AugmentedBatch batch = _augmenter.Augment(orders.Destinations(first, size), first))
            {
                BatchRecords records = CocoPasteWriter.WriteBatch(batch, OutputFolder, Options.Writer, first + 1, 1, _augmenter.Dataset);
                if (b == 0 && Options.WritePreview)
                {
                    SavePreview(batch);
                    previewWritten = true;
                }

                RunBatchFile.Write(batchFiles[b], Header(manifest, b), records);
            }

            written++;
            done += size;
            progress?.Report(new OperationProgress("augment", done, Options.Count, "images"));
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (Options.Writer.WritePlans)
        {
            RunBatchFile.AssemblePlans(Path.Combine(OutputFolder, PlansFileName), batchFiles);
        }

        (int images, long annotations) = RunBatchFile.AssembleAnnotations(Path.Combine(OutputFolder, AnnotationsFileName), batchFiles, _categories);
        WriteYoloLabels(cancellationToken);
        if (Options.WritePreview && !previewWritten && !File.Exists(Path.Combine(OutputFolder, PreviewFileName)))
        {
            // The first batch was committed by an earlier run, which lost its preview: the batch is made the same again.
            using var scope = NewDisposeScope();
            using AugmentedBatch batch = _augmenter.Augment(orders.Destinations(0, SizeOf(0)), 0);
            SavePreview(batch);
        }

        manifest.With(complete: true, images, annotations).Save(manifestPath);
        DeleteBatchFiles();
        return new AugmentRunResult(OutputFolder, images, annotations, reused, written, AlreadyComplete: false);
    }

    /// <summary>Whether the only difference from the recorded run is a larger image count.</summary>
    private static bool IsExtension(List<AugmentRunSettingChange> changes) =>
        changes is [{ Setting: AugmentRunSettingNames.Count, Recorded: { } was, Current: { } now }]
        && int.TryParse(was, NumberStyles.None, CultureInfo.InvariantCulture, out int recorded)
        && int.TryParse(now, NumberStyles.None, CultureInfo.InvariantCulture, out int current)
        && current > recorded;

    private int SizeOf(int batch)
    {
        long first = (long)batch * _augmenter.Options.BatchSize;
        return (int)Math.Min(_augmenter.Options.BatchSize, Options.Count - first);
    }

    private BatchHeaderDto Header(AugmentRunManifest manifest, int batch) => new()
    {
        Run = manifest.Key,
        Batch = batch,
        First = (long)batch * _augmenter.Options.BatchSize,
        Count = SizeOf(batch),
    };

    private void SavePreview(AugmentedBatch batch)
    {
        using var scope = NewDisposeScope();
        // Each sample beside its original: the same plans replayed without their pastes (no random draws, exact).
        using AugmentedBatch originals = _augmenter.Replay([.. batch.Plans.Select(p => p with { Steps = [] })]);
        Tensor mosaic = PreviewMosaic.Draw(batch, originals, new PreviewMosaicOptions
        {
            Columns = Options.PreviewColumns,
            TileSize = Options.PreviewTileSize,
            MaxImages = Options.PreviewImages,
            CategoryNames = _categories.GroupBy(c => c.Id).ToDictionary(g => g.Key, g => g.First().Name),
        });
        ImageIO.SavePng(mosaic, Path.Combine(OutputFolder, PreviewFileName));
    }

    /// <summary>For the YOLO formats: <c>labels/</c> and <c>data.yaml</c> from the assembled COCO file (the same objects).</summary>
    private void WriteYoloLabels(CancellationToken cancellationToken)
    {
        if (Options.Writer.LabelFormat == AugmentLabelFormat.Coco)
        {
            return;
        }

        CocoDataset written = CocoDataset.Load(Path.Combine(OutputFolder, AnnotationsFileName));
        XPaste.Yolo.YoloWriter.Write(written, OutputFolder, OutputFolder, new XPaste.Yolo.YoloWriteOptions
        {
            Task = Options.Writer.LabelFormat == AugmentLabelFormat.YoloSegment ? XPaste.Yolo.YoloTask.Segment : XPaste.Yolo.YoloTask.Detect,
            Categories = _categories,
            KeepHoles = Options.Writer.YoloKeepHoles,
        }, cancellationToken);
    }

    /// <summary>Dataset indices of consecutive samples, one epoch's order cached at a time.</summary>
    private sealed class EpochOrders(XPasteAugmenter augmenter)
    {
        private readonly int _n = augmenter.Dataset!.Images.Count;
        private int _epoch = -1;
        private int[] _order = [];

        public int[] Destinations(long first, int count)
        {
            var indices = new int[count];
            for (int k = 0; k < count; k++)
            {
                long sample = first + k;
                int epoch = checked((int)(sample / _n));
                if (epoch != _epoch)
                {
                    _order = augmenter.EpochOrder(epoch);
                    _epoch = epoch;
                }

                indices[k] = _order[(int)(sample % _n)];
            }

            return indices;
        }
    }
}

/// <summary>The single-writer lock of an output folder (a <see cref="FileLock"/>).</summary>
internal static class RunLock
{
    public static IDisposable Acquire(string path, string outputFolder) =>
        FileLock.TryAcquire(path) ?? throw new AugmentRunLockedException(outputFolder, path);
}
