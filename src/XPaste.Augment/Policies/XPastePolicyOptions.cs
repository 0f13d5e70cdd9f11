namespace XPaste.Augment;

/// <summary>The X-Paste policy's settings; every default is the reference's.</summary>
public sealed class XPastePolicyOptions
{
    /// <summary>Fewest instances per image. Default 0.</summary>
    public int MinCount { get; set; }

    /// <summary>Most instances per image (the count is uniform in [<see cref="MinCount"/>, <see cref="MaxCount"/>]). Default 19.</summary>
    public int MaxCount { get; set; } = 19;

    /// <summary>How instances are picked. Default <see cref="InstanceSampling.ClassBalanced"/>.</summary>
    public InstanceSampling Sampling { get; set; } = InstanceSampling.ClassBalanced;

    /// <summary>Smallest relative size, in pixels of the image height (the draw is clipped below at this / H). Default 10.</summary>
    public double MinSizePixels { get; set; } = 10;

    /// <summary>Largest relative size <c>sqrt(area fraction)</c>. Default 0.5.</summary>
    public double MaxSize { get; set; } = 0.5;

    /// <summary>The aspect ratio is the instance's own times U(1 - this, 1 + this). Default 0.2.</summary>
    public double AspectJitter { get; set; } = 0.2;

    /// <summary>An instance with a side shorter than this many pixels (or not shorter than the image's side) is skipped. Default 5.</summary>
    public int MinSide { get; set; } = 5;

    /// <summary>Probability of a horizontal flip. Default 0.5.</summary>
    public double FlipProbability { get; set; } = 0.5;

    /// <summary>
    /// Mean relative size used when no size statistics are given at all (the reference always has them). Default 0.15.
    /// </summary>
    public double DefaultSizeMean { get; set; } = 0.15;

    /// <summary>Standard deviation used with <see cref="DefaultSizeMean"/>. Default 0.1.</summary>
    public double DefaultSizeStd { get; set; } = 0.1;

    /// <summary>How sizes and positions are rounded to pixels. Default <see cref="PlacementRounding.Reference"/> (docs/parity.md).</summary>
    public PlacementRounding Rounding { get; set; } = PlacementRounding.Reference;

    /// <summary>The problems of these values, empty when they are valid (read by the validator).</summary>
    internal IEnumerable<string> Problems()
    {
        if (MinCount < 0 || MaxCount < MinCount || MaxCount > 10_000)
        {
            yield return $"counts must satisfy 0 <= {nameof(MinCount)} <= {nameof(MaxCount)} <= 10000, got {MinCount} and {MaxCount}";
        }

        if (!Enum.IsDefined(Rounding))
        {
            yield return $"{nameof(Rounding)} {Rounding} is not a rounding mode";
        }

        if (!Enum.IsDefined(Sampling))
        {
            yield return $"{nameof(Sampling)} {Sampling} is not a sampling mode";
        }

        if (!(MinSizePixels >= 0) || !(MaxSize > 0) || MaxSize > 1)
        {
            yield return $"sizes must satisfy {nameof(MinSizePixels)} >= 0 and 0 < {nameof(MaxSize)} <= 1, got {MinSizePixels} and {MaxSize}";
        }

        if (!(AspectJitter is >= 0 and < 1))
        {
            yield return $"{nameof(AspectJitter)} must be in [0, 1), got {AspectJitter}";
        }

        if (MinSide < 1)
        {
            yield return $"{nameof(MinSide)} must be at least 1, got {MinSide}";
        }

        if (!(FlipProbability is >= 0 and <= 1))
        {
            yield return $"{nameof(FlipProbability)} must be in [0, 1], got {FlipProbability}";
        }

        if (!(DefaultSizeMean > 0) || !(DefaultSizeStd >= 0))
        {
            yield return $"the default size needs a positive mean and a non-negative std, got {DefaultSizeMean} and {DefaultSizeStd}";
        }
    }
}
