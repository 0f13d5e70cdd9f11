using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>The outcome of <see cref="InstancePostProcessor.Process"/>: an RGBA cut-out, or why there is none.</summary>
public sealed class CutoutOutcome : IDisposable
{
    private Tensor? _rgba;

    internal CutoutOutcome(Tensor? rgba, CutoutRejection rejection, double areaFraction, long pixels, int x, int y, int width, int height)
    {
        // Owned here (see Dispose and DetachRgba), so out of any dispose scope that made it.
        _rgba = rgba?.DetachFromDisposeScope();
        Rejection = rejection;
        AreaFraction = areaFraction;
        Pixels = pixels;
        X = x;
        Y = y;
        Width = width;
        Height = height;
    }

    /// <summary>
    /// The cut-out, <c>uint8</c> <c>[4,Height,Width]</c> on the image's device; null when rejected (or after
    /// <see cref="DetachRgba"/>). Owned by this object until detached.
    /// </summary>
    public Tensor? Rgba => _rgba;

    /// <summary>Why there is no cut-out, or <see cref="CutoutRejection.None"/>.</summary>
    public CutoutRejection Rejection { get; }

    /// <summary>True when <see cref="Rgba"/> holds a cut-out.</summary>
    public bool IsAccepted => Rejection == CutoutRejection.None;

    /// <summary>Fraction of the whole image above the threshold (the reference's area test), before component selection.</summary>
    public double AreaFraction { get; }

    /// <summary>Pixels in the kept region (component and filled holes).</summary>
    public long Pixels { get; }

    /// <summary>Left edge of the kept region's tight box in the source image (0 when nothing was kept).</summary>
    public int X { get; }

    /// <summary>Top edge of the tight box.</summary>
    public int Y { get; }

    /// <summary>Width of the tight box.</summary>
    public int Width { get; }

    /// <summary>Height of the tight box.</summary>
    public int Height { get; }

    /// <summary>Hands the cut-out to the caller, who then owns it; this object no longer disposes it.</summary>
    /// <returns>The cut-out.</returns>
    /// <exception cref="InvalidOperationException">The mask was rejected or the tensor was already detached.</exception>
    public Tensor DetachRgba()
    {
        Tensor rgba = _rgba ?? throw new InvalidOperationException(IsAccepted ? "the cut-out was already detached" : $"no cut-out: {Rejection}");
        _rgba = null;
        return rgba;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _rgba?.Dispose();
        _rgba = null;
    }
}
