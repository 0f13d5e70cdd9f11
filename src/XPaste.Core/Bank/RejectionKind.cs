namespace XPaste.Bank;

/// <summary>
/// Why a source gave no instance: one name per cause, shared by every report (CLI tables, run records, bank
/// statistics, merged banks). <see cref="RejectionKinds.Name"/> gives the name reports print; docs/rejections.md lists
/// them with their meaning.
/// </summary>
public enum RejectionKind
{
    /// <summary>A free-text reason from a bank written before rejections were typed (<see cref="BankRejection.Note"/>).</summary>
    Other,

    /// <summary>No mask pixel is above the threshold.</summary>
    EmptyMask,

    /// <summary>The mask's area fraction is below the minimum (<c>min_area</c>).</summary>
    AreaBelowMin,

    /// <summary>The mask's area fraction is above the maximum (<c>max_area</c>).</summary>
    AreaAboveMax,

    /// <summary>The kept region's box is narrower or shorter than the minimum side in pixels.</summary>
    TooThin,

    /// <summary>The cut-out's short side is below the minimum cut-out size (the <c>quality</c> selection).</summary>
    CutoutTooSmall,

    /// <summary>The zero-shot (CLIP) score is below the category's keep threshold.</summary>
    ClipRule,

    /// <summary>The cut-out's mean CLIP image similarity to real crops of its category is below the minimum.</summary>
    RealSimilarity,

    /// <summary>The image is a near duplicate (perceptual hash) of an earlier image of its category.</summary>
    NearDuplicate,

    /// <summary>The category already holds its budget of instances.</summary>
    OverBudget,
}
