namespace XPaste.Augment;

/// <summary>How the paste kernel composites objects and updates the annotations they cover.</summary>
public sealed class PasteKernelOptions
{
    /// <summary>How pixels are combined. Default <see cref="BlendMode.Hard"/> (the reference's).</summary>
    public BlendMode Blending { get; set; } = BlendMode.Hard;

    /// <summary>
    /// A pasted instance's pixel belongs to its mask (and, with <see cref="BlendMode.Hard"/>, is drawn) when its alpha
    /// (0-255) after resizing is above this. Default 0, the reference's: it thresholds the cut-out's alpha at 128 once,
    /// offline (so every stored alpha is 0 or above 128), and pastes where the <em>resized</em> alpha is above 0, which
    /// takes in the ring of interpolated edge pixels (masks about 1.7% larger than with 128; see docs/parity.md).
    /// 128 gives the tighter mask of the cut-out's own threshold.
    /// </summary>
    public int AlphaThreshold { get; set; }

    /// <summary>
    /// Drop an earlier object whose mask a paste covered entirely, whatever <see cref="Occlusion"/> says. Default true,
    /// on purpose unlike the reference: its rule keeps an object when every box coordinate moved by at most
    /// <see cref="MaxBoxShift"/>, and a small object near the top-left corner whose mask is covered gets the empty box
    /// (0,0,0,0), within the shift, so it stays as an empty mask: no target for a mask loss and a degenerate box.
    /// False keeps such objects, as the reference does.
    /// </summary>
    public bool DropEmptyObjects { get; set; } = true;

    /// <summary>Standard deviation in pixels of the Gaussian used by <see cref="BlendMode.Feather"/>. Default 2.</summary>
    public double FeatherSigma { get; set; } = 2.0;

    /// <summary>
    /// Resize instances with antialiasing when shrinking them. Default false: the reference resizes with plain bilinear
    /// interpolation (OpenCV's <c>INTER_LINEAR</c>).
    /// </summary>
    public bool Antialias { get; set; }

    /// <summary>Which objects covered by a paste are kept. Default <see cref="OcclusionRule.Reference"/>.</summary>
    public OcclusionRule Occlusion { get; set; } = OcclusionRule.Reference;

    /// <summary><see cref="OcclusionRule.Reference"/>: the largest box shift (pixels, per coordinate) that keeps an object. Default 10.</summary>
    public int MaxBoxShift { get; set; } = 10;

    /// <summary><see cref="OcclusionRule.Reference"/>: an object with more remaining mask pixels than this is kept. Default 300.</summary>
    public int MinRemainingPixels { get; set; } = 300;

    /// <summary><see cref="OcclusionRule.VisibleFraction"/>: the smallest visible fraction of its area that keeps an object. Default 0.25.</summary>
    public double MinVisibleFraction { get; set; } = 0.25;

    /// <summary>Brightness and contrast matching of pasted objects. Off by default.</summary>
    public PhotometricMatchingOptions PhotometricMatching { get; set; } = new();

    /// <summary>The problems of these values, empty when they are valid (read by the validator).</summary>
    internal IEnumerable<string> Problems()
    {
        if (!Enum.IsDefined(Blending))
        {
            yield return $"{nameof(Blending)} {Blending} is not a blend mode";
        }

        if (AlphaThreshold is < 0 or > 254)
        {
            yield return $"{nameof(AlphaThreshold)} must be in [0, 254], got {AlphaThreshold}";
        }

        if (!(FeatherSigma > 0) || FeatherSigma > 64)
        {
            yield return $"{nameof(FeatherSigma)} must be in (0, 64], got {FeatherSigma}";
        }

        if (!Enum.IsDefined(Occlusion))
        {
            yield return $"{nameof(Occlusion)} {Occlusion} is not an occlusion rule";
        }

        if (MaxBoxShift < 0)
        {
            yield return $"{nameof(MaxBoxShift)} must not be negative, got {MaxBoxShift}";
        }

        if (MinRemainingPixels < 0)
        {
            yield return $"{nameof(MinRemainingPixels)} must not be negative, got {MinRemainingPixels}";
        }

        if (!(MinVisibleFraction is >= 0 and <= 1))
        {
            yield return $"{nameof(MinVisibleFraction)} must be in [0, 1], got {MinVisibleFraction}";
        }

        var photometric = new List<string>();
        PhotometricMatchingOptionsValidator.AddProblems(PhotometricMatching, photometric, $"{nameof(PhotometricMatching)}.");
        foreach (string problem in photometric)
        {
            yield return problem;
        }
    }
}
