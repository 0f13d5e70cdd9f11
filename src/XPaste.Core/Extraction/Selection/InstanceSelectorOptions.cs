namespace XPaste.Extraction;

/// <summary>Options for <see cref="InstanceSelector"/>.</summary>
public sealed class InstanceSelectorOptions
{
    /// <summary>The shared default options (the reference's behaviour).</summary>
    public static InstanceSelectorOptions Default { get; } = new();

    /// <summary>
    /// How a winning mask becomes a cut-out, and the area rule it must pass. Its
    /// <see cref="InstancePostProcessorOptions.AlphaThreshold"/> also makes the white-background view that is scored.
    /// Default <see cref="InstancePostProcessorOptions.Default"/>.
    /// </summary>
    public InstancePostProcessorOptions PostProcessing { get; init; } = InstancePostProcessorOptions.Default;

    /// <summary>
    /// When the best-scoring mask fails the post-processing (area, empty, too thin), try the next best instead of
    /// dropping the image. Default false: the reference drops it. Without a zero-shot filter the extractors are
    /// always tried in order until one passes.
    /// </summary>
    public bool TryNextBest { get; init; }
}
