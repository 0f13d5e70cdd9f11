using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// One step of a paste, with its pixels: either a cut-out instance that the kernel resizes, flips and places, or a
/// group of objects already at their final size (Simple Copy-Paste's objects of another image), composited together.
/// The kernel reads the tensors and never disposes them: the caller keeps ownership.
/// </summary>
public sealed class PasteSource
{
    private PasteSource(Tensor pixels, Tensor? masks, IReadOnlyList<long> labels, int x, int y, int width, int height, bool flip)
    {
        Pixels = pixels;
        Masks = masks;
        Labels = labels;
        X = x;
        Y = y;
        Width = width;
        Height = height;
        Flip = flip;
    }

    /// <summary>
    /// <c>uint8</c> <c>[4,h,w]</c> RGBA for an instance (any size: resized to <see cref="Width"/> x <see cref="Height"/>),
    /// or <c>uint8</c> <c>[3,Height,Width]</c> RGB for a group of objects.
    /// </summary>
    public Tensor Pixels { get; }

    /// <summary>For a group of objects: <c>bool</c> <c>[k,Height,Width]</c> masks; null for an instance (its alpha decides).</summary>
    public Tensor? Masks { get; }

    /// <summary>The category of each object this step adds (one for an instance).</summary>
    public IReadOnlyList<long> Labels { get; }

    /// <summary>Left edge of the placed pixels in the destination (may be negative: what falls outside is clipped).</summary>
    public int X { get; }

    /// <summary>Top edge of the placed pixels in the destination (may be negative).</summary>
    public int Y { get; }

    /// <summary>Width of the placed pixels.</summary>
    public int Width { get; }

    /// <summary>Height of the placed pixels.</summary>
    public int Height { get; }

    /// <summary>Whether an instance is mirrored left-right (after resizing).</summary>
    public bool Flip { get; }

    /// <summary>True for a cut-out instance, false for a group of objects.</summary>
    public bool IsInstance => Masks is null;

    /// <summary>A cut-out instance, resized to <paramref name="width"/> x <paramref name="height"/> (bilinear), flipped if asked, placed at (x, y).</summary>
    /// <param name="rgba"><c>uint8</c> <c>[4,h,w]</c> RGBA, any device (moved to the destination's).</param>
    /// <param name="categoryId">The instance's category.</param>
    /// <param name="x">Left edge in the destination.</param>
    /// <param name="y">Top edge in the destination.</param>
    /// <param name="width">Width after resizing, at least 1.</param>
    /// <param name="height">Height after resizing, at least 1.</param>
    /// <param name="flip">Mirror left-right.</param>
    /// <returns>The step.</returns>
    public static PasteSource Instance(Tensor rgba, long categoryId, int x, int y, int width, int height, bool flip = false)
    {
        ArgumentNullException.ThrowIfNull(rgba);
        if (rgba.dim() != 3 || rgba.shape[0] != 4 || rgba.dtype != ScalarType.Byte || rgba.shape[1] < 1 || rgba.shape[2] < 1)
        {
            throw new ArgumentException($"expected a uint8 [4,h,w] RGBA instance, got {rgba.dtype} [{string.Join(",", rgba.shape)}]", nameof(rgba));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        return new PasteSource(rgba, null, [categoryId], x, y, width, height, flip);
    }

    /// <summary>A group of objects at their final size, placed at (x, y), composited through the union of their masks.</summary>
    /// <param name="rgb"><c>uint8</c> <c>[3,h,w]</c> pixels, any device.</param>
    /// <param name="masks"><c>bool</c> <c>[k,h,w]</c> object masks (they may overlap one another: objects of one group do not occlude each other).</param>
    /// <param name="labels">The k categories.</param>
    /// <param name="x">Left edge in the destination.</param>
    /// <param name="y">Top edge in the destination.</param>
    /// <returns>The step.</returns>
    public static PasteSource Objects(Tensor rgb, Tensor masks, IReadOnlyList<long> labels, int x, int y)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentNullException.ThrowIfNull(labels);
        if (rgb.dim() != 3 || rgb.shape[0] != 3 || rgb.dtype != ScalarType.Byte)
        {
            throw new ArgumentException($"expected uint8 [3,h,w] pixels, got {rgb.dtype} [{string.Join(",", rgb.shape)}]", nameof(rgb));
        }

        if (masks.dim() != 3 || masks.dtype != ScalarType.Bool || masks.shape[1] != rgb.shape[1] || masks.shape[2] != rgb.shape[2] || masks.shape[0] != labels.Count)
        {
            throw new ArgumentException($"expected bool [{labels.Count},{rgb.shape[1]},{rgb.shape[2]}] masks, got {masks.dtype} [{string.Join(",", masks.shape)}]", nameof(masks));
        }

        return new PasteSource(rgb, masks, labels, x, y, (int)rgb.shape[2], (int)rgb.shape[1], false);
    }
}
