using XPaste.Extraction;
using static TorchSharp.torch;

namespace XPaste.Offline;

/// <summary>Options for <see cref="OfflinePipeline"/>.</summary>
public sealed class OfflinePipelineOptions
{
    /// <summary>The shared default options (the reference's selection).</summary>
    public static OfflinePipelineOptions Default { get; } = new();

    /// <summary>
    /// Options for candidates that come with their own masks and no extractor (dataset annotations, <c>bank build</c>):
    /// every annotated pixel is kept (no area rule, no component selection), alpha 255 inside, colour zeroed outside.
    /// </summary>
    public static OfflinePipelineOptions Annotations { get; } = new() { BatchSize = 64, Selection = InstanceSelectorOptions.Annotations };

    /// <summary>Images handed to the extractors (and the filter) together. Default 8.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Where images are moved before extraction (the extractors' device); null leaves them where the source puts them (the CPU). Default null.</summary>
    public Device? Device { get; init; }

    /// <summary>Selection and post-processing. Default <see cref="InstanceSelectorOptions.Default"/> (the reference).</summary>
    public InstanceSelectorOptions Selection { get; init; } = InstanceSelectorOptions.Default;

    /// <summary>Stop keeping instances of a category once this many are in the bank (the rest are rejected as <c>over_budget</c>); null for no budget. Default null.</summary>
    public int? PerCategoryBudget { get; init; }

    /// <summary>
    /// Near-duplicate removal (off by default): an image whose perceptual hash (<see cref="Imaging.PerceptualHash"/>, the
    /// crawler's) is within this many bits of an earlier image of its category is rejected as <c>near_duplicate</c> before
    /// extraction. Earlier means earlier in this run or processed by an earlier run of the same source into the bank
    /// (those images are read again, not extracted, to hash them; images that came from other sources are not
    /// compared). Null for none; 0 drops only identical-looking images.
    /// </summary>
    public int? NearDuplicateDistance { get; init; }

    /// <summary>
    /// The real-crop similarity filter (off by default): a cut-out the CLIP rule kept is rejected as
    /// <c>real_similarity</c> when its mean CLIP image similarity to real objects of its category is below
    /// <see cref="RealSimilarityOptions.MinSimilarity"/>. Needs a <c>ClipZeroShotFilter</c> as the pipeline's filter. Null for none.
    /// </summary>
    public RealSimilarityOptions? RealSimilarity { get; init; }

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new OfflinePipelineOptionsValidator(), this);
}
