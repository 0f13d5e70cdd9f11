namespace XPaste.Extraction;

/// <summary>Options for <see cref="PlainBackgroundExtractor"/>. Colour distances are in 0-255 RGB units.</summary>
public sealed class PlainBackgroundOptions
{
    /// <summary>The shared default options.</summary>
    public static PlainBackgroundOptions Default { get; } = new();

    /// <summary>Width of the border strip the background is learnt from, as a fraction of the shorter side. Default 0.03.</summary>
    public double BorderFraction { get; init; } = 0.03;

    /// <summary>The border strip is at least this many pixels wide. Default 2.</summary>
    public int MinBorderPixels { get; init; } = 2;

    /// <summary>
    /// Model the background as a linear colour gradient over the image (a plane per channel, fitted to the border)
    /// rather than a single colour (the border's per-channel median). Default true.
    /// </summary>
    public bool FitGradient { get; init; } = true;

    /// <summary>
    /// Fraction of the border pixels closest to the current fit kept for the next fit, so that parts of the object
    /// touching the border do not pull the background towards it. Default 0.7.
    /// </summary>
    public double InlierFraction { get; init; } = 0.7;

    /// <summary>Refits of the background after the initial median. Default 2.</summary>
    public int FitIterations { get; init; } = 2;

    /// <summary>Radius of the box blur applied before measuring colour distances, against pixel noise; 0 for none. Default 1.</summary>
    public int SmoothingRadius { get; init; } = 1;

    /// <summary>A pixel closer than this to the background colour is background whatever the noise. Default 24.</summary>
    public float MinDistance { get; init; } = 24f;

    /// <summary>
    /// The background threshold is at least this many times the median distance of the border pixels from the
    /// fitted background (a robust noise level). Default 3.
    /// </summary>
    public float NoiseFactor { get; init; } = 3f;

    /// <summary>Width of the soft ramp from 0 to 255 above the threshold. Default 16.</summary>
    public float RampWidth { get; init; } = 16f;

    /// <summary>Radius of the morphological opening that removes specks (max-pool based, on the soft mask); 0 for none. Default 1.</summary>
    public int OpenRadius { get; init; } = 1;

    /// <summary>Radius of the morphological closing that fills cracks; 0 for none. Default 1.</summary>
    public int CloseRadius { get; init; } = 1;

    internal void Validate()
    {
        if (!(BorderFraction is >= 0 and < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(BorderFraction), BorderFraction, "must be in [0, 0.5)");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MinBorderPixels, 1);
        if (!(InlierFraction is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(InlierFraction), InlierFraction, "must be in (0, 1]");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(FitIterations);
        ArgumentOutOfRangeException.ThrowIfNegative(SmoothingRadius);
        ArgumentOutOfRangeException.ThrowIfNegative(OpenRadius);
        ArgumentOutOfRangeException.ThrowIfNegative(CloseRadius);
        ArgumentOutOfRangeException.ThrowIfNegative(MinDistance);
        ArgumentOutOfRangeException.ThrowIfNegative(NoiseFactor);
        if (!(RampWidth > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(RampWidth), RampWidth, "must be positive");
        }
    }
}
