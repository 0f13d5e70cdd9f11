using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// The objects of one augmented image, ready for a training loss: every mask has at least one pixel, every box is the
/// tight box of its mask, and all tensors have the same length N and live on the image's device. Owns its tensors.
/// </summary>
public sealed class PasteTargets : IDisposable
{
    internal PasteTargets(Tensor masks, Tensor boxes, Tensor labels, Tensor areas, Tensor isPasted)
    {
        Masks = masks;
        Boxes = boxes;
        Labels = labels;
        Areas = areas;
        IsPasted = isPasted;
    }

    /// <summary>
    /// <c>bool</c> <c>[N,H,W]</c> masks (contiguous; from the kernel, a view of the image's working buffer, whose memory
    /// is released when this tensor is disposed).
    /// </summary>
    public Tensor Masks { get; }

    /// <summary>
    /// <c>float32</c> <c>[N,4]</c> boxes, <c>xyxy</c> in pixel-edge coordinates (<c>x2</c> = last column + 1), as
    /// <see cref="XPaste.Masks.MaskBoxes.TightBoxes"/> computes them.
    /// </summary>
    public Tensor Boxes { get; }

    /// <summary><c>int64</c> <c>[N]</c> category ids.</summary>
    public Tensor Labels { get; }

    /// <summary><c>int64</c> <c>[N]</c> mask areas in pixels.</summary>
    public Tensor Areas { get; }

    /// <summary><c>bool</c> <c>[N]</c>: true for objects pasted by the augmentation (the reference's <c>instance_source = 1</c>).</summary>
    public Tensor IsPasted { get; }

    /// <summary>
    /// Where each object came from: its index among the destination's objects (less than the destination's object
    /// count), or a larger index for an object pasted in this run. Survivors keep the destination's order. Empty when
    /// not recorded.
    /// </summary>
    internal int[] Origins { get; init; } = [];

    /// <summary>
    /// Per object, x1, y1, x2, y2 of its tight box when it entered the kernel (for the destination's objects: before
    /// any paste); the box a box-only object keeps when boxes are kept unchanged. Empty when not recorded.
    /// </summary>
    internal float[] EntryBoxes { get; init; } = [];

    /// <summary>N, the number of objects.</summary>
    public int Count => (int)Labels.shape[0];

    /// <summary>Moves every tensor out of the current dispose scope (for handing them to another thread).</summary>
    internal void DetachFromDisposeScope()
    {
        Masks.DetachFromDisposeScope();
        Boxes.DetachFromDisposeScope();
        Labels.DetachFromDisposeScope();
        Areas.DetachFromDisposeScope();
        IsPasted.DetachFromDisposeScope();
    }

    /// <summary>Moves every tensor to the enclosing dispose scope.</summary>
    internal void MoveToOuterDisposeScope()
    {
        Masks.MoveToOuterDisposeScope();
        Boxes.MoveToOuterDisposeScope();
        Labels.MoveToOuterDisposeScope();
        Areas.MoveToOuterDisposeScope();
        IsPasted.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Masks.Dispose();
        Boxes.Dispose();
        Labels.Dispose();
        Areas.Dispose();
        IsPasted.Dispose();
    }
}
