namespace XPaste.Augment;

/// <summary>Entry point of the fluent API: <c>XPastePipeline.CreateBuilder().UseInstancePool(pool).UseDataset(data).Build()</c>.</summary>
public static class XPastePipeline
{
    /// <summary>Starts a pipeline outside dependency injection.</summary>
    /// <returns>A builder with default options.</returns>
    public static XPastePipelineBuilder CreateBuilder() => new(null);
}

/// <summary>
/// The components of the offline stage (instance generation, extraction, filtering) held by a builder, for the
/// bank-building stage to run.
/// </summary>
/// <param name="Sources">Where candidate instance images come from.</param>
/// <param name="Filter">The zero-shot filter (CLIP in the reference), or null.</param>
/// <param name="Extractors">The foreground segmenters, in order.</param>
public sealed record XPasteOfflineComponents(
    IReadOnlyList<XPaste.Abstractions.IInstanceSource> Sources,
    XPaste.Abstractions.IZeroShotFilter? Filter,
    IReadOnlyList<XPaste.Abstractions.IInstanceExtractor> Extractors);
