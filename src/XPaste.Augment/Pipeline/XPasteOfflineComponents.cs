using Microsoft.Extensions.Logging;
using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Offline;

namespace XPaste.Augment;

/// <summary>
/// The components of the offline stage (instance generation, extraction, filtering) held by a builder;
/// <see cref="BuildBankAsync"/> runs them into an instance bank through the one <see cref="OfflinePipeline"/>.
/// </summary>
/// <param name="Sources">Where candidate instance images come from.</param>
/// <param name="Filter">The zero-shot filter (CLIP in the reference), or null.</param>
/// <param name="Extractors">The foreground segmenters, in order.</param>
public sealed record XPasteOfflineComponents(
    IReadOnlyList<IInstanceSource> Sources,
    IZeroShotFilter? Filter,
    IReadOnlyList<IInstanceExtractor> Extractors)
{
    /// <summary>
    /// Runs every source into <paramref name="bank"/> with <see cref="OfflinePipeline"/>: segment, pick the best mask
    /// by the filter's score, keep what the filter's per-category rule keeps, cut out; without extractors the
    /// sources' own masks are the candidates. Resumable: what the bank already holds is skipped.
    /// </summary>
    /// <param name="bank">A bank opened for writing (<see cref="InstanceBank.OpenOrCreate"/>).</param>
    /// <param name="options">Batching, device, selection and budget; the pipeline's defaults when null.</param>
    /// <param name="progress">Receives progress per stage.</param>
    /// <param name="logger">Receives per-category notes.</param>
    /// <param name="cancellationToken">Stops between batches; finished work stays in the bank.</param>
    /// <returns>What was added, skipped and rejected over all sources, per extractor, rejection kind and category.</returns>
    /// <exception cref="InvalidOperationException">No source was added, or a filter was set without an extractor.</exception>
    public async Task<OfflineResult> BuildBankAsync(InstanceBank bank, OfflinePipelineOptions? options = null,
        IProgress<OperationProgress>? progress = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bank);
        if (Sources.Count == 0)
        {
            throw new InvalidOperationException("no instance source: call AddSource on the builder");
        }

        if (Extractors.Count == 0 && Filter is not null)
        {
            throw new InvalidOperationException("a zero-shot filter scores extracted masks: add an extractor (AddExtractor) as well");
        }

        var pipeline = new OfflinePipeline(Extractors, Filter, options, logger);
        OfflineResult result = OfflineResult.Empty;
        foreach (IInstanceSource source in Sources)
        {
            result = result.Plus(await pipeline.RunAsync(source, bank, progress, cancellationToken).ConfigureAwait(false));
        }

        return result;
    }
}
