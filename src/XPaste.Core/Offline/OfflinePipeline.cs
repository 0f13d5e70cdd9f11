using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Extraction;
using XPaste.Imaging;
using static TorchSharp.torch;

namespace XPaste.Offline;

/// <summary>
/// The one way to fill an instance bank: images of a category -> instances in a bank. Every entry point uses it
/// (<c>xpaste bank build</c>, <c>bank extract</c>, <c>bank run</c>, <see cref="BankRun"/>, the pipeline builder's
/// offline components). Images without masks (generated or crawled, e.g. from a <c>FolderInstanceSource</c>) are
/// segmented in batches by every extractor; a mask that came with the source (dataset annotations) is a candidate like
/// any extractor's, named <c>annotation</c>. The best candidate per image is chosen (<see cref="InstanceSelector"/>),
/// each category's choices are decided by the zero-shot filter over all of the category's scores (the reference's rule
/// needs the category's best score) before anything of the category is written. Kept cut-outs are added with their
/// extractor, score, runners-up and origin; every other image is recorded as a typed <see cref="BankRejection"/>.
/// </summary>
/// <remarks>
/// <para>
/// Resumable: an image the bank already lists (added or rejected) is skipped, before its pixels are loaded when the
/// source is an <see cref="IResumableInstanceSource"/>. With a filter a category's results are written together when it
/// is complete (its adds and rejects as one manifest segment, unless more rejections than
/// <see cref="BankOptions.CommitEvery"/> are pending, which commits them earlier), so an interrupted run redoes the
/// unfinished category from the start; without one, results are written every few batches and, on cancellation,
/// everything processed is kept. Cancelling with a filter drops the unfinished category and throws.
/// </para>
/// <para>
/// Categories are decided as the source yields them: a source should group each category's images together (folder
/// sources do); a category that comes back after another one is decided again over its new images only.
/// Each run is traced as an <see cref="Activity"/> named <c>offline.run</c> of the <c>XPaste.Offline</c> source.
/// </para>
/// </remarks>
public sealed class OfflinePipeline
{
    /// <summary>The <see cref="ActivitySource"/> name runs are traced under.</summary>
    public const string ActivitySourceName = "XPaste.Offline";

    private static readonly ActivitySource Activities = new(ActivitySourceName);

    private readonly InstanceSelector _selector;
    private readonly OfflinePipelineOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="extractors">The extractors, in order of preference; none when the source brings its own masks.</param>
    /// <param name="filter">The zero-shot filter (CLIP in the reference); null selects by preference order and keeps whatever passes the post-processing.</param>
    /// <param name="options">Batching, device, selection and budget; when null, <see cref="OfflinePipelineOptions.Default"/> with extractors and <see cref="OfflinePipelineOptions.Annotations"/> without.</param>
    /// <param name="logger">Receives per-category notes; none when null.</param>
    public OfflinePipeline(IReadOnlyList<IInstanceExtractor> extractors, IZeroShotFilter? filter = null,
        OfflinePipelineOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(extractors);
        _options = options ?? (extractors.Count == 0 ? OfflinePipelineOptions.Annotations : OfflinePipelineOptions.Default);
        _options.Validate();
        if (extractors.Count == 0 && filter is not null)
        {
            throw new ArgumentException("a zero-shot filter scores extracted masks: give an extractor as well", nameof(filter));
        }

        _selector = new InstanceSelector(extractors, filter, _options.Selection);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The options in use.</summary>
    public OfflinePipelineOptions Options => _options;

    /// <summary>The key an image is recorded under in the bank (<see cref="BankInstance.Source"/>): <c>{source name}/{image id}</c>.</summary>
    /// <param name="source">The source.</param>
    /// <param name="imageId">The image's <see cref="SourceImage.Id"/>.</param>
    /// <returns>The key.</returns>
    public static string SourceKey(IInstanceSource source, string imageId)
    {
        ArgumentNullException.ThrowIfNull(source);
        return $"{source.Name}/{imageId}";
    }

    /// <summary>Extracts every image of <paramref name="source"/> the bank has not processed yet.</summary>
    /// <param name="source">Images, grouped by category.</param>
    /// <param name="bank">A bank opened for writing.</param>
    /// <param name="progress">Receives <c>extract</c> progress in images (skipped ones included).</param>
    /// <param name="cancellationToken">Stops between batches; finished categories stay in the bank.</param>
    /// <returns>Counts of what was added, skipped and rejected, per extractor, rejection kind and category.</returns>
    /// <exception cref="InvalidInputException">An image has no mask and there is no extractor.</exception>
    public async Task<OfflineResult> RunAsync(IInstanceSource source, InstanceBank bank,
        IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(bank);
        if (bank.IsReadOnly)
        {
            throw new ArgumentException($"{bank.Folder}: the bank is read-only; open it with InstanceBank.OpenOrCreate", nameof(bank));
        }

        using Activity? activity = Activities.StartActivity("offline.run");
        activity?.SetTag("xpaste.source", source.Name);
        activity?.SetTag("xpaste.bank", bank.Folder);
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

                if (image.Mask is null && _selector.Extractors.Count == 0)
                {
                    image.Dispose();
                    throw new InvalidInputException(image.Origin,
                        $"image '{image.Id}' of source '{source.Name}' has no mask; without an extractor every image needs its own mask");
                }

                if (_options.NearDuplicateDistance is int distance && run.NearDuplicate(image, distance) is { } duplicate)
                {
                    // Settle the pending batch first, so a category is still decided in one piece.
                    run.Process(batch, cancellationToken);
                    run.Hold(duplicate, image.Category);
                    image.Dispose();
                    continue;
                }

                batch.Add(image);
                if (batch.Count == _options.BatchSize)
                {
                    run.Process(batch, cancellationToken);
                }
            }

            run.Process(batch, cancellationToken);
            run.Commit();
        }
        finally
        {
            foreach (SourceImage image in batch)
            {
                image.Dispose();
            }

            // After a failure or cancellation the unfinished category is redone on the next run; without a filter there
            // is no category decision to wait for, so what is processed is valid work and is kept.
            if (_selector.Filter is null)
            {
                run.Commit();
            }

            run.DropCategory();
        }

        ExtractionLog.Finished(_logger, source.Name, bank.Folder, run.Added, run.Skipped, run.Rejected);
        return new OfflineResult(run.Added, run.Skipped, run.Rejected)
        {
            AddedByExtractor = run.AddedByExtractor,
            RejectedByKind = run.RejectedByKind,
            ByCategory = run.ByCategory.ToDictionary(p => p.Key, p => new OfflineCategoryCounts(p.Value.Added, p.Value.Rejected), StringComparer.Ordinal),
        };
    }

    /// <summary>The state of one <see cref="RunAsync"/> call.</summary>
    private sealed class Run(OfflinePipeline stage, IInstanceSource source, InstanceBank bank, IProgress<OperationProgress>? progress)
    {
        private readonly List<Held> _held = [];
        private readonly Dictionary<CategoryInfo, List<ulong>> _hashes = [];
        private CategoryInfo? _category;
        private long _done;

        public long? Total { get; set; }

        public int Added { get; private set; }

        public int Skipped { get; private set; }

        public int Rejected { get; private set; }

        public Dictionary<string, int> AddedByExtractor { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> RejectedByKind { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (int Added, int Rejected)> ByCategory { get; } = new(StringComparer.Ordinal);

        public void Report() => progress?.Report(new OperationProgress("extract", _done, Total, "images"));

        /// <summary>A near-duplicate rejection when <paramref name="image"/>'s perceptual hash is within <paramref name="distance"/> bits of an earlier image of its category in this run; null (and the hash remembered) otherwise.</summary>
        public BankRejection? NearDuplicate(SourceImage image, int distance)
        {
            ulong hash = HashOf(image.Image);
            List<ulong> seen = _hashes.TryGetValue(image.Category, out var list) ? list : _hashes[image.Category] = [];
            int nearest = seen.Count == 0 ? int.MaxValue : seen.Min(h => PerceptualHash.Distance(h, hash));
            if (nearest <= distance)
            {
                return new BankRejection(SourceKey(source, image.Id), image.Category.Name, RejectionKind.NearDuplicate, null, nearest, distance);
            }

            seen.Add(hash);
            return null;
        }

        /// <summary>Holds a rejection decided before extraction with its category's other results.</summary>
        public void Hold(BankRejection rejection, CategoryInfo category)
        {
            if (_category is not null && category != _category && stage._selector.Filter is not null)
            {
                Commit();
            }

            _category = category;
            _held.Add(new Held(category, rejection.Source, "", "", null, CutoutRejection.None, 0, 0, null, null, rejection));
            _done++;
            Report();
        }

        private static ulong HashOf(Tensor image)
        {
            using var scope = NewDisposeScope();
            Tensor rgb = image.narrow(0, 0, 3).cpu();
            Tensor rgba = cat(new[] { rgb, full_like(rgb.narrow(0, 0, 1), 255) }, 0).permute(1, 2, 0).contiguous();
            int height = checked((int)rgba.shape[0]), width = checked((int)rgba.shape[1]);
            return PerceptualHash.Compute(rgba.bytes, width, height, width * 4);
        }

        public bool SkipIfProcessed(string id)
        {
            if (!bank.IsProcessed(SourceKey(source, id)))
            {
                return false;
            }

            Skipped++;
            _done++;
            Report();
            return true;
        }

        public void Process(List<SourceImage> batch, CancellationToken cancellationToken)
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
                    if (_category is not null && item.Category != _category && stage._selector.Filter is not null)
                    {
                        Commit();
                    }

                    _category = item.Category;
                    // Hold the category's cut-outs on the CPU until its decision, so device memory stays flat.
                    Tensor? rgba = null;
                    if (selection.Cutout.IsAccepted)
                    {
                        Tensor detached = selection.Cutout.DetachRgba();
                        rgba = detached.device_type == TorchSharp.DeviceType.CPU ? detached : MoveToCpu(detached);
                    }

                    _held.Add(new Held(item.Category, SourceKey(source, item.Id), item.Origin, selection.Extractor, selection.Score,
                        selection.Cutout.Rejection, selection.Cutout.AreaFraction, Math.Min(selection.Cutout.Width, selection.Cutout.Height), rgba, RunnersUp(selection)));
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
            if (stage._selector.Filter is null && _held.Count >= UnfilteredCommitSize)
            {
                // Nothing to decide per category: commit in chunks so dataset sources (categories interleaved) stay cheap.
                Commit();
            }
        }

        /// <summary>Decides the held images (one category with a filter) over all their category's scores and writes their adds and rejects.</summary>
        public void Commit()
        {
            if (_held.Count == 0)
            {
                return;
            }

            var cutouts = new List<BankCutout>();
            var rejections = new List<BankRejection>();
            try
            {
                Judge(cutouts, rejections);

                foreach (BankRejection rejection in rejections)
                {
                    bank.Reject(rejection);
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
                var counts = ByCategory.GetValueOrDefault(cutout.Category.Name);
                ByCategory[cutout.Category.Name] = (counts.Added + 1, counts.Rejected);
            }

            foreach (BankRejection rejection in rejections)
            {
                RejectedByKind[rejection.KindName] = RejectedByKind.GetValueOrDefault(rejection.KindName) + 1;
                var counts = ByCategory.GetValueOrDefault(rejection.Category ?? "");
                ByCategory[rejection.Category ?? ""] = (counts.Added, counts.Rejected + 1);
            }

            Added += cutouts.Count;
            Rejected += rejections.Count;
            if (stage._logger.IsEnabled(LogLevel.Information))
            {
                foreach (var group in cutouts.Select(c => (c.Category.Name, Kept: true)).Concat(rejections.Select(r => (Name: r.Category ?? "", Kept: false))).GroupBy(p => p.Name))
                {
                    int kept = group.Count(p => p.Kept), rejected = group.Count(p => !p.Kept);
                    ExtractionLog.Category(stage._logger, group.Key, kept, rejected);
                }
            }
        }

        /// <summary>Sorts the held images, in order, into cut-outs and rejections; the filter decides per category.</summary>
        private void Judge(List<BankCutout> cutouts, List<BankRejection> rejections)
        {
            var keep = new bool[_held.Count];
            var limits = new double?[_held.Count];
            foreach (var group in Enumerable.Range(0, _held.Count).GroupBy(i => _held[i].Category))
            {
                int[] members = [.. group];
                bool[] decided = Decide(members, out double? limit);
                for (int j = 0; j < members.Length; j++)
                {
                    keep[members[j]] = decided[j];
                    limits[members[j]] = limit;
                }
            }

            int? budget = stage._options.PerCategoryBudget;
            var inBank = new Dictionary<int, int>();
            for (int i = 0; i < _held.Count; i++)
            {
                Held h = _held[i];
                CategoryInfo category = h.Category;
                int count = inBank.TryGetValue(category.Id, out int c) ? c : bank.CategoryCounts.GetValueOrDefault(category.Id);
                if (h.Early is not null)
                {
                    rejections.Add(h.Early);
                }
                else if (h.Rgba is null)
                {
                    rejections.Add(Describe(h, category.Name, stage._options.Selection.PostProcessing));
                }
                else if (!keep[i])
                {
                    rejections.Add(new BankRejection(h.Key, category.Name, RejectionKind.ClipRule, h.Extractor, h.Score, limits[i]));
                }
                else if (budget is int limit && count >= limit)
                {
                    rejections.Add(new BankRejection(h.Key, category.Name, RejectionKind.OverBudget, h.Extractor, count, limit));
                }
                else
                {
                    cutouts.Add(new BankCutout(h.Rgba, category, h.Key, h.Extractor, h.Score, h.Origin, h.RunnersUp));
                    count++;
                }

                inBank[category.Id] = count;
            }
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
        private bool[] Decide(int[] members, out double? limit)
        {
            var keep = new bool[members.Length];
            IZeroShotFilter? filter = stage._selector.Filter;
            limit = null;
            if (filter is null)
            {
                Array.Fill(keep, true);
                return keep;
            }

            int[] scored = Enumerable.Range(0, members.Length).Where(j => _held[members[j]].Score is not null).ToArray();
            float[] scores = scored.Select(j => _held[members[j]].Score!.Value).ToArray();
            bool[] decided = filter.Decide(scores);
            if (decided.Length != scored.Length)
            {
                throw new InvalidOperationException($"the zero-shot filter decided {decided.Length} of {scored.Length} scores");
            }

            for (int k = 0; k < scored.Length; k++)
            {
                keep[scored[k]] = decided[k];
            }

            // The reference's rule has a threshold to report; a rule without one is reported without it.
            limit = filter.KeepThreshold(scores) is double threshold ? Math.Round(threshold, 4) : null;

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

        private static BankRejection Describe(Held h, string category, InstancePostProcessorOptions options) => h.Rejection switch
        {
            CutoutRejection.Empty => new BankRejection(h.Key, category, RejectionKind.EmptyMask, h.Extractor),
            CutoutRejection.TooSmall => new BankRejection(h.Key, category, RejectionKind.AreaBelowMin, h.Extractor, Math.Round(h.Area, 6), options.MinArea),
            CutoutRejection.TooLarge => new BankRejection(h.Key, category, RejectionKind.AreaAboveMax, h.Extractor, Math.Round(h.Area, 6), options.MaxArea),
            CutoutRejection.TooThin => new BankRejection(h.Key, category, RejectionKind.TooThin, h.Extractor, h.MinSide, options.MinSide),
            CutoutRejection.CutoutTooSmall => new BankRejection(h.Key, category, RejectionKind.CutoutTooSmall, h.Extractor, h.MinSide, options.MinCutoutSide),
            _ => new BankRejection(h.Key, category, RejectionKind.Other, h.Extractor) { Note = h.Rejection.ToString() },
        };
    }

    /// <summary>Results are committed after this many images when there is no per-category decision to wait for.</summary>
    private const int UnfilteredCommitSize = 64;

    private sealed record Held(CategoryInfo Category, string Key, string Origin, string Extractor, float? Score, CutoutRejection Rejection, double Area, int MinSide, Tensor? Rgba,
        IReadOnlyDictionary<string, float>? RunnersUp, BankRejection? Early = null);

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
