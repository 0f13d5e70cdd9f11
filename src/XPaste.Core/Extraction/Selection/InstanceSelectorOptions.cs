namespace XPaste.Extraction;

/// <summary>Options for <see cref="InstanceSelector"/>; <see cref="Reference"/> and <see cref="Quality"/> are the two documented presets.</summary>
public sealed class InstanceSelectorOptions
{
    /// <summary>The shared default options (the reference's behaviour, <see cref="Reference"/>).</summary>
    public static InstanceSelectorOptions Default { get; } = new();

    /// <summary>
    /// The reference's selection: the mask CLIP scores best wins; its area is measured over every foreground pixel; a
    /// winner that fails the area test drops the image.
    /// </summary>
    public static InstanceSelectorOptions Reference => Default;

    /// <summary>
    /// The <c>quality</c> selection: area and thinness measured on the post-processed mask (largest component, holes
    /// filled); among the candidates that pass every rule the one CLIP scores best wins, so adding an extractor never
    /// lowers the number of images that give a cut-out; cut-outs need a short side of at least 32 px.
    /// </summary>
    public static InstanceSelectorOptions Quality { get; } = WithQuality(InstancePostProcessorOptions.Default);

    /// <summary>
    /// For masks that come with the source (dataset annotations) and no extractor: every annotated pixel is kept (no
    /// area rule, no component selection, no hole filling), alpha 255 inside, colour zeroed outside.
    /// </summary>
    public static InstanceSelectorOptions Annotations { get; } = new()
    {
        PostProcessing = new InstancePostProcessorOptions
        {
            MinArea = 0,
            MaxArea = 1,
            KeepLargestComponent = false,
            FillHoles = false,
            MinSide = 1,
            Alpha = CutoutAlpha.Opaque,
        },
    };

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

    /// <summary>The <see cref="Quality"/> selection with other area limits and sizes.</summary>
    /// <param name="postProcessing">The limits; area measuring and the minimum cut-out side are set as <see cref="Quality"/> has them unless already set.</param>
    /// <param name="minCutoutSide">The minimum cut-out short side in pixels. Default 32.</param>
    /// <returns>The options.</returns>
    public static InstanceSelectorOptions WithQuality(InstancePostProcessorOptions postProcessing, int minCutoutSide = 32)
    {
        ArgumentNullException.ThrowIfNull(postProcessing);
        return new InstanceSelectorOptions
        {
            TryNextBest = true,
            PostProcessing = new InstancePostProcessorOptions
            {
                AlphaThreshold = postProcessing.AlphaThreshold,
                KeepLargestComponent = postProcessing.KeepLargestComponent,
                FillHoles = postProcessing.FillHoles,
                Connectivity = postProcessing.Connectivity,
                MinArea = postProcessing.MinArea,
                MaxArea = postProcessing.MaxArea,
                MinSide = postProcessing.MinSide,
                Alpha = postProcessing.Alpha,
                MeasureKeptRegion = true,
                MinCutoutSide = minCutoutSide,
            },
        };
    }
}
