namespace XPaste.Augment;

/// <summary>
/// Large scale jitter (Simple Copy-Paste; the reference's <c>EfficientDetResizeCrop</c> + flip): resize by a random
/// factor of the output size keeping the aspect ratio, crop (or pad) to the output size, flip.
/// </summary>
public sealed class LargeScaleJitterOptions
{
    /// <summary>Output width in pixels. Default 640 (the reference's R-50 recipe; 896 for Swin-L).</summary>
    public int OutputWidth { get; set; } = 640;

    /// <summary>Output height in pixels. Default 640.</summary>
    public int OutputHeight { get; set; } = 640;

    /// <summary>Smallest scale factor, relative to the output size. Default 0.1 (standard jitter: 0.8).</summary>
    public double MinScale { get; set; } = 0.1;

    /// <summary>Largest scale factor. Default 2.0 (standard jitter: 1.25).</summary>
    public double MaxScale { get; set; } = 2.0;

    /// <summary>Probability of a horizontal flip. Default 0.5.</summary>
    public double FlipProbability { get; set; } = 0.5;

    /// <summary>Value of padded pixels (all channels). Default 0, as the reference pads batches with zeros.</summary>
    public int PadValue { get; set; }

    /// <summary>Antialias when shrinking (the reference resizes with PIL's bilinear filter, which does). Default true.</summary>
    public bool Antialias { get; set; } = true;

    /// <summary>The problems of these values, empty when they are valid (read by the validator).</summary>
    internal IEnumerable<string> Problems()
    {
        if (OutputWidth is < 1 or > 16384 || OutputHeight is < 1 or > 16384)
        {
            yield return $"output size must be 1-16384 pixels per side, got {OutputWidth}x{OutputHeight}";
        }

        if (!(MinScale > 0) || !(MaxScale >= MinScale) || MaxScale > 16)
        {
            yield return $"scales must satisfy 0 < {nameof(MinScale)} <= {nameof(MaxScale)} <= 16, got {MinScale} and {MaxScale}";
        }

        if (!(FlipProbability is >= 0 and <= 1))
        {
            yield return $"{nameof(FlipProbability)} must be in [0, 1], got {FlipProbability}";
        }

        if (PadValue is < 0 or > 255)
        {
            yield return $"{nameof(PadValue)} must be in [0, 255], got {PadValue}";
        }
    }
}
