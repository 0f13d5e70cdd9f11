namespace XPaste.Augment;

/// <summary>
/// Decides whether an object partly covered by a paste stays in the annotations. Whatever the rule, an object with no
/// visible pixel left is always removed, and the boxes of the objects kept are recomputed from their masks.
/// </summary>
public enum OcclusionRule
{
    /// <summary>
    /// The reference's rule (Simple Copy-Paste, X-Paste): keep the object if every coordinate of its box moved by at most
    /// <see cref="PasteKernelOptions.MaxBoxShift"/> pixels in this paste, or more than
    /// <see cref="PasteKernelOptions.MinRemainingPixels"/> of its mask remain.
    /// </summary>
    Reference,

    /// <summary>
    /// Keep the object while at least <see cref="PasteKernelOptions.MinVisibleFraction"/> of its area (as it was when it
    /// entered the image) remains visible.
    /// </summary>
    VisibleFraction,
}
