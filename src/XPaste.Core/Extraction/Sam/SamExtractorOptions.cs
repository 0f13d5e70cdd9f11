using Microsoft.Extensions.Options;

namespace XPaste.Extraction;

/// <summary>Options for <see cref="SamExtractor"/>. The defaults prompt with the tight box alone, as DiverGen does.</summary>
public sealed class SamExtractorOptions
{
    /// <summary>The shared default options.</summary>
    public static SamExtractorOptions Default { get; } = new();

    /// <summary>A prompt mask's pixel is foreground when strictly above this value (0-255). Default 127.</summary>
    public int PromptThreshold { get; init; } = 127;

    /// <summary>Also give the centroid of the prompt's largest component as a positive point. Default false (box only).</summary>
    public bool UseCentroidPoint { get; init; }

    /// <summary>
    /// Also give the peak of the prompt map (its highest value within the largest component, the first in row-major
    /// order on ties) as a positive point: the maximum of CLIPSeg's heatmap. With <see cref="UseCentroidPoint"/> both
    /// points are given, the centroid first. Default false.
    /// </summary>
    public bool UsePeakPoint { get; init; }

    /// <summary>Keep the highest-IoU mask (default) or hand all three multimask outputs to the selector (<see cref="SamExtractor.Candidates"/>).</summary>
    public SamMaskChoice MaskChoice { get; init; } = SamMaskChoice.HighestIou;

    /// <summary>The mask logit above which a pixel is foreground (transformers' <c>mask_threshold</c>). Default 0.</summary>
    public double MaskThreshold { get; init; }

    /// <summary>Images per forward pass of the image encoder. Default 4.</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>How <see cref="SamExtractor.FromPretrained"/> loads the model (device, dtype, Hub settings). Default <see cref="SamLoadOptions.Default"/>.</summary>
    public SamLoadOptions Model { get; init; } = SamLoadOptions.Default;

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new SamExtractorOptionsValidator(), this);
}
