using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// Tight boxes from per-row and per-column occupancy, so a box can be updated from counts kept per object instead of
/// rescanning whole masks. Same convention as <see cref="XPaste.Masks.MaskBoxes"/>: xyxy, x2 = last + 1, empty = zeros.
/// </summary>
internal sealed class ProjectionBoxes : IDisposable
{
    private readonly Tensor _y, _y1, _x, _x1;
    private readonly long _h, _w;

    /// <summary>Prepares index vectors for masks of one size on one device.</summary>
    public ProjectionBoxes(long height, long width, Device device)
    {
        _h = height;
        _w = width;
        _y = arange(height, ScalarType.Int64, device).DetachFromDisposeScope();
        _y1 = arange(1, height + 1, 1, ScalarType.Int64, device).DetachFromDisposeScope();
        _x = arange(width, ScalarType.Int64, device).DetachFromDisposeScope();
        _x1 = arange(1, width + 1, 1, ScalarType.Int64, device).DetachFromDisposeScope();
    }

    /// <param name="rows"><c>bool</c> <c>[..., H]</c>: row y of the object has a pixel.</param>
    /// <param name="cols"><c>bool</c> <c>[..., W]</c>: column x of the object has a pixel.</param>
    /// <returns><c>float32</c> <c>[..., 4]</c>.</returns>
    public Tensor Compute(Tensor rows, Tensor cols)
    {
        using var scope = NewDisposeScope();
        long[] last = [-1];
        // For an empty mask y2 = 0 and min(H, 0) = 0, so empty masks come out as zeros without a separate test.
        Tensor y2 = where(rows, _y1, 0L).amax(last);
        Tensor y1 = where(rows, _y, _h).amin(last).minimum(y2);
        Tensor x2 = where(cols, _x1, 0L).amax(last);
        Tensor x1 = where(cols, _x, _w).amin(last).minimum(x2);
        return stack([x1, y1, x2, y2], -1).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _y.Dispose();
        _y1.Dispose();
        _x.Dispose();
        _x1.Dispose();
    }
}
