using XPaste.Coco;

namespace XPaste.Offline;

/// <summary>
/// The real-crop similarity filter of <see cref="OfflinePipeline"/> (opt-in, DiverGen's filtering against real data):
/// a cut-out the CLIP rule kept is still rejected as <c>real_similarity</c> when the mean cosine of its CLIP image
/// embedding to the embeddings of real objects of its category, cut out of an annotated COCO/LVIS dataset, is below
/// <see cref="MinSimilarity"/>. Needs the pipeline's CLIP filter (a <c>ClipZeroShotFilter</c>): its image tower embeds both.
/// </summary>
/// <remarks>
/// Real objects are cut out with their annotation masks and put on white, the background the CLIP filter scores
/// candidate cut-outs on, so both sides are compared alike. A category's real crops are read and embedded the first
/// time one of its cut-outs is judged, then kept for the pipeline's lifetime. Dataset categories match by name as
/// <see cref="CategoryMapping"/> compares them (case, <c>_</c> and <c>-</c> ignored; LVIS synonyms too). A category the
/// dataset has no usable object of is not filtered: its cut-outs are kept and a warning is logged once.
/// </remarks>
public sealed class RealSimilarityOptions
{
    /// <summary>The annotated dataset the real objects come from (crowd and unsegmented annotations are left out).</summary>
    public required CocoDataset Dataset { get; init; }

    /// <summary>The folder the dataset's <c>file_name</c>s are relative to.</summary>
    public required string ImagesFolder { get; init; }

    /// <summary>Reject a cut-out whose mean cosine similarity to its category's real crops is below this; -1 to 1.</summary>
    public required double MinSimilarity { get; init; }

    /// <summary>Real crops per category at most; a category with more annotations gets a sample chosen by <see cref="Seed"/>. Default 32.</summary>
    public int MaxCropsPerCategory { get; init; } = 32;

    /// <summary>Annotations whose box is shorter than this on its short side (pixels) are not used as real crops. Default 16.</summary>
    public int MinCropSide { get; init; } = 16;

    /// <summary>Chooses which annotations a category with more than <see cref="MaxCropsPerCategory"/> uses. Default 0.</summary>
    public int Seed { get; init; }
}
