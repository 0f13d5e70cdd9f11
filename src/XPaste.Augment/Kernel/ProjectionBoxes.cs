using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// Tight boxes from per-row and per-column occupancy, so a box can be updated from counts kept per object instead of
/// rescanning whole masks. Same convention as <see cref="XPaste.Masks.MaskBoxes"/>: xyxy, x2 = last + 1, empty = zeros.
/// </summary>
internal static class ProjectionBoxes
{
    /// <param name="rows"><c>bool</c> <c>[N,H]</c>: row y of object n has a pixel.</param>
    /// <param name="cols"><c>bool</c> <c>[N,W]</c>: column x of object n has a pixel.</param>
    /// <returns><c>float32</c> <c>[N,4]</c>.</returns>
    public static Tensor Compute(Tensor rows, Tensor cols)
    {
        using var scope = NewDisposeScope();
        long h = rows.shape[1], w = cols.shape[1];
        Tensor y = arange(h, ScalarType.Int64, rows.device);
        Tensor x = arange(w, ScalarType.Int64, cols.device);
        Tensor y1 = where(rows, y, h).amin(new long[] { 1 });
        Tensor y2 = where(rows, y, -1).amax(new long[] { 1 }) + 1;
        Tensor x1 = where(cols, x, w).amin(new long[] { 1 });
        Tensor x2 = where(cols, x, -1).amax(new long[] { 1 }) + 1;
        Tensor boxes = stack(new[] { x1, y1, x2, y2 }, 1).to(ScalarType.Float32);
        Tensor nonEmpty = rows.any(1).unsqueeze(1);
        return where(nonEmpty, boxes, zeros_like(boxes)).MoveToOuterDisposeScope();
    }
}
