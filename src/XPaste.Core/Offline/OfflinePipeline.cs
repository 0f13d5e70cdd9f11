using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Clip;
using XPaste.Extraction;

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
/// source is an <see cref="IResumableInstanceSource"/> (with <see cref="OfflinePipelineOptions.NearDuplicateDistance"/>
/// it is read, only to remember its perceptual hash, so new images are compared with what earlier runs saw). With a filter a category's results are written together when it
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
public sealed partial class OfflinePipeline
{
    /// <summary>The <see cref="ActivitySource"/> name runs are traced under.</summary>
    public const string ActivitySourceName = "XPaste.Offline";

    private static readonly ActivitySource Activities = new(ActivitySourceName);

    private readonly InstanceSelector _selector;
    private readonly OfflinePipelineOptions _options;
    private readonly ILogger _logger;
    private readonly RealCropReference? _realCrops;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="extractors">The extractors, in order of preference; none when the source brings its own masks.</param>
    /// <param name="filter">The zero-shot filter (CLIP in the reference); null selects by preference order and keeps whatever passes the post-processing.</param>
    /// <param name="options">Batching, device, selection and budget; when null, <see cref="OfflinePipelineOptions.Default"/> with extractors and <see cref="OfflinePipelineOptions.Annotations"/> without.</param>
    /// <param name="logger">Receives per-category notes and warnings (a category without real crops); none when null.</param>
    /// <exception cref="ArgumentException">A filter without an extractor, or <see cref="OfflinePipelineOptions.RealSimilarity"/> without a <see cref="ClipZeroShotFilter"/>.</exception>
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
        if (_options.RealSimilarity is { } real)
        {
            // The same image tower as the zero-shot filter: real crops and cut-outs are embedded alike.
            ClipZeroShotFilter clip = filter as ClipZeroShotFilter
                ?? throw new ArgumentException("the real-crop similarity filter embeds with the CLIP filter's image tower: give a ClipZeroShotFilter", nameof(filter));
            _realCrops = new RealCropReference(real, clip, _logger);
        }
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
        var run = new Run(this, source, bank, progress) { CancellationToken = cancellationToken };
        var resumable = source as IResumableInstanceSource;
        run.Total = resumable?.Count;
        run.Report();
        // With near-duplicate removal, images the bank already processed are read too (not extracted), so that new
        // images are compared with what earlier runs of the source saw, not only with this run's.
        int? distance = _options.NearDuplicateDistance;
        IAsyncEnumerable<SourceImage> images = resumable is not null
            ? resumable.ReadAsync(distance is null ? run.SkipIfProcessed : _ => false, cancellationToken)
            : source.ReadAsync(cancellationToken);
        var batch = new List<SourceImage>(_options.BatchSize);
        try
        {
            await foreach (SourceImage image in images.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (run.SkipIfProcessed(image.Id))
                {
                    if (distance is int d)
                    {
                        _ = run.NearDuplicate(image, d);
                    }

                    image.Dispose();
                    continue;
                }

                if (image.Mask is null && _selector.Extractors.Count == 0)
                {
                    image.Dispose();
                    throw new InvalidInputException(image.Origin,
                        $"image '{image.Id}' of source '{source.Name}' has no mask; without an extractor every image needs its own mask");
                }

                if (distance is int limit && run.NearDuplicate(image, limit) is { } duplicate)
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
}

internal static partial class ExtractionLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Category}: {Kept} kept, {Rejected} rejected")]
    public static partial void Category(ILogger logger, string category, int kept, int rejected);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Source} -> {Bank}: {Added} added, {Skipped} already there, {Rejected} rejected")]
    public static partial void Finished(ILogger logger, string source, string bank, int added, int skipped, int rejected);
}
