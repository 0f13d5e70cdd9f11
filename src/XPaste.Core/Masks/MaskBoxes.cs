using static TorchSharp.torch;

namespace XPaste.Masks;

/// <summary>
/// Tight boxes of binary masks, computed with tensor reductions on the masks' device.
/// Boxes are <c>xyxy</c> in pixel-edge coordinates: <c>x1,y1</c> = first set column/row, <c>x2,y2</c> = last + 1,
/// so COCO's <c>[x, y, w, h]</c> is <c>[x1, y1, x2 - x1, y2 - y1]</c>.
/// </summary>
public static class MaskBoxes
{
    /// <summary>Computes the tight box of every mask.</summary>
    /// <param name="masks"><c>[N,H,W]</c> masks (bool, or any dtype where non-zero means set).</param>
    /// <returns>
    /// <c>Boxes</c>: float32 <c>[N,4]</c> xyxy; <c>NonEmpty</c>: bool <c>[N]</c>. An empty mask has no box: its row is
    /// all zeros and its flag false, never a bogus box. Both on the masks' device; the caller owns them.
    /// </returns>
    public static (Tensor Boxes, Tensor NonEmpty) TightBoxes(Tensor masks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.dim() != 3)
        {
            throw new ArgumentException($"expected [N,H,W] masks, got [{string.Join(",", masks.shape)}]", nameof(masks));
        }

        using var scope = NewDisposeScope();
        Tensor set = masks.dtype == ScalarType.Bool ? masks : masks.ne(0);
        long h = set.shape[1], w = set.shape[2];
        Tensor rows = set.any(2);
        Tensor cols = set.any(1);
        Tensor nonEmpty = rows.any(1);
        Tensor y = arange(h, ScalarType.Int64, set.device);
        Tensor x = arange(w, ScalarType.Int64, set.device);
        Tensor y1 = where(rows, y, h).amin(new long[] { 1 });
        Tensor y2 = where(rows, y, -1).amax(new long[] { 1 }) + 1;
        Tensor x1 = where(cols, x, w).amin(new long[] { 1 });
        Tensor x2 = where(cols, x, -1).amax(new long[] { 1 }) + 1;
        Tensor boxes = stack(new[] { x1, y1, x2, y2 }, 1).to(ScalarType.Float32);
        boxes = where(nonEmpty.unsqueeze(1), boxes, zeros_like(boxes));
        return (boxes.MoveToOuterDisposeScope(), nonEmpty.MoveToOuterDisposeScope());
    }
}
