using Microsoft.Extensions.Logging;
using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Extraction;

namespace XPaste.Augment;

/// <summary>Entry point of the fluent API: <c>XPastePipeline.CreateBuilder().UseInstancePool(pool).UseDataset(data).Build()</c>.</summary>
public static class XPastePipeline
{
    /// <summary>Starts a pipeline outside dependency injection.</summary>
    /// <returns>A builder with default options.</returns>
    /// <exception cref="Runtime.TorchSharpLoadException">TorchSharp's native backend cannot load (the message says why).</exception>
    public static XPastePipelineBuilder CreateBuilder()
    {
        Runtime.TorchSharpRuntime.EnsureLoaded();
        return new(null);
    }
}

/// <summary>
/// The components of the offline stage (instance generation, extraction, filtering) held by a builder;
/// <see cref="BuildBankAsync"/> runs them into an instance bank.
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
    /// Runs every source into <paramref name="bank"/>: with extractors, through <see cref="BankExtractionStage"/>
    /// (segment, pick the best mask by the filter's score, keep what the filter's per-category rule keeps, cut out);
    /// without extractors, the sources' own masks are cut out as they are (<see cref="BankBuilder"/>). Resumable:
    /// what the bank already holds is skipped.
    /// </summary>
    /// <param name="bank">A bank opened for writing (<see cref="InstanceBank.OpenOrCreate"/>).</param>
    /// <param name="options">Batching, device and selection for the extraction stage; defaults when null.</param>
    /// <param name="progress">Receives progress per stage.</param>
    /// <param name="logger">Receives per-category notes.</param>
    /// <param name="cancellationToken">Stops between batches; finished work stays in the bank.</param>
    /// <returns>What was added, skipped and rejected over all sources.</returns>
    /// <exception cref="InvalidOperationException">No source was added, or a filter was set without an extractor.</exception>
    public async Task<BankBuildResult> BuildBankAsync(InstanceBank bank, BankExtractionOptions? options = null,
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

        int added = 0, skipped = 0, rejected = 0;
        foreach (IInstanceSource source in Sources)
        {
            if (Extractors.Count == 0)
            {
                BankBuildResult built = await new BankBuilder(bank, logger: logger).AddAsync(source, progress, cancellationToken).ConfigureAwait(false);
                (added, skipped, rejected) = (added + built.Added, skipped + built.Skipped, rejected + built.Rejected);
            }
            else
            {
                BankExtractionResult extracted = await new BankExtractionStage(Extractors, Filter, options, logger)
                    .RunAsync(source, bank, progress, cancellationToken).ConfigureAwait(false);
                (added, skipped, rejected) = (added + extracted.Added, skipped + extracted.Skipped, rejected + extracted.Rejected);
            }
        }

        return new BankBuildResult(added, skipped, rejected);
    }
}
