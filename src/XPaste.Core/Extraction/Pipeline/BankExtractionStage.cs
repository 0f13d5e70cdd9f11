using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.Abstractions;
using XPaste.Bank;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// The reference's offline mask stage, into an <see cref="InstanceBank"/>: images without masks (generated or
/// crawled, e.g. from a <c>FolderInstanceSource</c>) are segmented in batches by every extractor, the best mask per
/// image is chosen (<see cref="InstanceSelector"/>), and each category's choices are decided by the zero-shot filter
/// over all of the category's scores (the reference's rule needs the category's best score) before anything of the
/// category is written. Kept cut-outs are added with their extractor, score and origin; every other image is recorded
/// as rejected with the reason.
/// </summary>
/// <remarks>
/// <para>
/// Resumable: an image the bank already lists (added or rejected) is skipped, before its pixels are loaded when the
/// source is an <see cref="IResumableInstanceSource"/>. A category's results are written together when it is
/// complete (its adds and rejects as one manifest segment, unless more rejections than
/// <see cref="BankOptions.CommitEvery"/> are pending, which commits them earlier), so an interrupted run redoes
/// the unfinished category from the start. Cancelling drops the unfinished category and throws.
/// </para>
/// <para>
/// Categories are decided as the source yields them: a source should group each category's images together (folder
/// sources do); a category that comes back after another one is decided again over its new images only.
/// </para>
/// </remarks>
public sealed class BankExtractionStage
{
    private readonly InstanceSelector _selector;
    private readonly BankExtractionOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the stage.</summary>
    /// <param name="extractors">One or more extractors, in order of preference.</param>
    /// <param name="filter">The zero-shot filter (CLIP in the reference); null selects by preference order and keeps whatever passes the post-processing.</param>
    /// <param name="options">Batching, device and selection; <see cref="BankExtractionOptions.Default"/> when null.</param>
    /// <param name="logger">Receives per-category notes; none when null.</param>
    public BankExtractionStage(IReadOnlyList<IInstanceExtractor> extractors, IZeroShotFilter? filter = null,
        BankExtractionOptions? options = null, ILogger? logger = null)
    {
        _options = options ?? BankExtractionOptions.Default;
        _options.Validate();
        _selector = new InstanceSelector(extractors, filter, _options.Selection);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Extracts every image of <paramref name="source"/> the bank has not processed yet.</summary>
    /// <param name="source">Images, grouped by category.</param>
    /// <param name="bank">A bank opened for writing.</param>
    /// <param name="progress">Receives <c>extract</c> progress in images (skipped ones included).</param>
    /// <param name="cancellationToken">Stops between batches; finished categories stay in the bank.</param>
    /// <returns>Counts of what was added, skipped and rejected.</returns>
    public async Task<BankExtractionResult> RunAsync(IInstanceSource source, InstanceBank bank,
        IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(bank);
        if (bank.IsReadOnly)
        {
            throw new ArgumentException($"{bank.Folder}: the bank is read-only; open it with InstanceBank.OpenOrCreate", nameof(bank));
        }

        var run = new Run(this, source, bank, progress);
        var resumable = source as IResumableInstanceSource;
        run.Total = resumable?.Count;
        run.Report();
        IAsyncEnumerable<SourceImage> images = resumable is not null
            ? resumable.ReadAsync(run.SkipIfProcessed, cancellationToken)
            : source.ReadAsync(cancellationToken);
        var batch = new List<SourceImage>(_options.BatchSize);
        try
        {
            await foreach (SourceImage image in images.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (run.SkipIfProcessed(image.Id))
                {
                    image.Dispose();
                    continue;
                }

                batch.Add(image);
                if (batch.Count == _options.BatchSize)
                {
                    await run.ProcessAsync(batch, cancellationToken).ConfigureAwait(false);
                }
            }

            await run.ProcessAsync(batch, cancellationToken).ConfigureAwait(false);
            run.CommitCategory();
        }
        finally
        {
            foreach (SourceImage image in batch)
            {
                image.Dispose();
            }

            // After a failure or cancellation the unfinished category is redone on the next run.
            run.DropCategory();
        }

        ExtractionLog.Finished(_logger, source.Name, bank.Folder, run.Added, run.Skipped, run.Rejected);
        return new BankExtractionResult(run.Added, run.Skipped, run.Rejected, run.AddedByExtractor) { RejectedByReason = run.RejectedByReason };
    }

    /// <summary>The state of one <see cref="RunAsync"/> call.</summary>
    private sealed class Run(BankExtractionStage stage, IInstanceSource source, InstanceBank bank, IProgress<OperationProgress>? progress)
    {
        private readonly List<Held> _held = [];
        private CategoryInfo? _category;
        private long _done;

        public long? Total { get; set; }

        public int Added { get; private set; }

        public int Skipped { get; private set; }

        public int Rejected { get; private set; }

        public Dictionary<string, int> AddedByExtractor { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> RejectedByReason { get; } = new(StringComparer.Ordinal);

        public void Report() => progress?.Report(new OperationProgress("extract", _done, Total, "images"));

        public bool SkipIfProcessed(string id)
        {
            if (!bank.IsProcessed(BankBuilder.SourceKey(source, id)))
            {
                return false;
            }

            Skipped++;
            _done++;
            Report();
            return true;
        }

        public async Task ProcessAsync(List<SourceImage> batch, CancellationToken cancellationToken)
        {
            if (batch.Count == 0)
            {
                return;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var images = new List<Tensor>(batch.Count);
            IReadOnlyList<InstanceSelection> selections;
            try
            {
                foreach (SourceImage item in batch)
                {
                    // Held across awaits: out of any (per-thread) dispose scope; disposed below.
                    Tensor rgb = item.Image.narrow(0, 0, 3).DetachFromDisposeScope();
                    images.Add(stage._options.Device is { } device ? MoveTo(rgb, device) : rgb);
                }

                Tensor?[] masks = batch.Select(b => b.Mask).ToArray();
                selections = stage._selector.Select(images, batch.Select(b => b.Category).ToArray(),
                    masks.Any(m => m is not null) ? masks : null, cancellationToken);
            }
            finally
            {
                foreach (Tensor image in images)
                {
                    image.Dispose();
                }
            }

            try
            {
                for (int i = 0; i < batch.Count; i++)
                {
                    InstanceSelection selection = selections[i];
                    SourceImage item = batch[i];
                    if (_category is not null && item.Category != _category)
                    {
                        CommitCategory();
                    }

                    _category = item.Category;
                    // Hold the category's cut-outs on the CPU until its decision, so device memory stays flat.
                    Tensor? rgba = null;
                    if (selection.Cutout.IsAccepted)
                    {
                        Tensor detached = selection.Cutout.DetachRgba();
                        rgba = detached.device_type == TorchSharp.DeviceType.CPU ? detached : MoveToCpu(detached);
                    }

                    _held.Add(new Held(BankBuilder.SourceKey(source, item.Id), item.Origin, selection.Extractor, selection.Score,
                        selection.Cutout.Rejection, selection.Cutout.AreaFraction, rgba, RunnersUp(selection)));
                }
            }
            finally
            {
                foreach (InstanceSelection selection in selections)
                {
                    selection.Dispose();
                }

                foreach (SourceImage item in batch)
                {
                    item.Dispose();
                }
            }

            _done += batch.Count;
            batch.Clear();
            Report();
        }

        /// <summary>Decides the current category over all its scores and writes its adds and rejects.</summary>
        public void CommitCategory()
        {
            if (_category is null || _held.Count == 0)
            {
                return;
            }

            CategoryInfo category = _category;
            bool[] keep = Decide();
            var cutouts = new List<BankCutout>();
            var rejections = new List<BankRejection>();
            try
            {
                for (int i = 0; i < _held.Count; i++)
                {
                    Held h = _held[i];
                    if (h.Rgba is null)
                    {
                        rejections.Add(new BankRejection(h.Key, Describe(h, stage._options.Selection.PostProcessing), h.Extractor));
                    }
                    else if (!keep[i])
                    {
                        rejections.Add(new BankRejection(h.Key, $"zero-shot score {h.Score:F2} rejected by the category rule", h.Extractor));
                    }
                    else
                    {
                        cutouts.Add(new BankCutout(h.Rgba, category, h.Key, h.Extractor, h.Score, h.Origin, h.RunnersUp));
                    }
                }

                foreach (BankRejection rejection in rejections)
                {
                    bank.Reject(rejection.Source, rejection.Reason, rejection.Extractor);
                }

                // One segment with the rejections recorded above: the category lands whole or not at all.
                if (cutouts.Count > 0)
                {
                    bank.AddRange(cutouts);
                }
                else
                {
                    bank.Flush();
                }
            }
            finally
            {
                DropCategory();
            }

            foreach (BankCutout cutout in cutouts)
            {
                AddedByExtractor[cutout.Extractor] = AddedByExtractor.GetValueOrDefault(cutout.Extractor) + 1;
            }

            foreach (BankRejection rejection in rejections)
            {
                RejectedByReason[rejection.ReasonKind] = RejectedByReason.GetValueOrDefault(rejection.ReasonKind) + 1;
            }

            Added += cutouts.Count;
            Rejected += rejections.Count;
            ExtractionLog.Category(stage._logger, category.Name, cutouts.Count, rejections.Count);
        }

        public void DropCategory()
        {
            foreach (Held h in _held)
            {
                h.Rgba?.Dispose();
            }

            _held.Clear();
            _category = null;
        }

        /// <summary>The filter's decision over every score of the category (post-processing failures included, as the reference); all kept without a filter.</summary>
        private bool[] Decide()
        {
            var keep = new bool[_held.Count];
            IZeroShotFilter? filter = stage._selector.Filter;
            if (filter is null)
            {
                Array.Fill(keep, true);
                return keep;
            }

            int[] scored = Enumerable.Range(0, _held.Count).Where(i => _held[i].Score is not null).ToArray();
            bool[] decided = filter.Decide(scored.Select(i => _held[i].Score!.Value).ToArray());
            if (decided.Length != scored.Length)
            {
                throw new InvalidOperationException($"the zero-shot filter decided {decided.Length} of {scored.Length} scores");
            }

            for (int k = 0; k < scored.Length; k++)
            {
                keep[scored[k]] = decided[k];
            }

            return keep;
        }

        private static Tensor MoveTo(Tensor tensor, Device device)
        {
            if (tensor.device == device)
            {
                return tensor;
            }

            try
            {
                return tensor.to(device).DetachFromDisposeScope();
            }
            finally
            {
                tensor.Dispose();
            }
        }

        private static Tensor MoveToCpu(Tensor tensor)
        {
            try
            {
                return tensor.cpu();
            }
            finally
            {
                tensor.Dispose();
            }
        }

        private static string Describe(Held h, InstancePostProcessorOptions options) => h.Rejection switch
        {
            CutoutRejection.Empty => "empty mask",
            CutoutRejection.TooSmall => $"mask area {h.Area:F3} < {options.MinArea}",
            CutoutRejection.TooLarge => $"mask area {h.Area:F3} > {options.MaxArea}",
            CutoutRejection.TooThin => $"cut-out thinner than {options.MinSide} px",
            _ => h.Rejection.ToString(),
        };
    }

    private sealed record Held(string Key, string Origin, string Extractor, float? Score, CutoutRejection Rejection, double Area, Tensor? Rgba,
        IReadOnlyDictionary<string, float>? RunnersUp);

    /// <summary>The scores of the candidates that lost to the chosen one; null when there were none.</summary>
    private static Dictionary<string, float>? RunnersUp(InstanceSelection selection)
    {
        var others = selection.Scores.Where(p => p.Key != selection.Extractor).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return others.Count == 0 ? null : others;
    }
}

internal static partial class ExtractionLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Category}: {Kept} kept, {Rejected} rejected")]
    public static partial void Category(ILogger logger, string category, int kept, int rejected);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Source} -> {Bank}: {Added} added, {Skipped} already there, {Rejected} rejected")]
    public static partial void Finished(ILogger logger, string source, string bank, int added, int skipped, int rejected);
}
