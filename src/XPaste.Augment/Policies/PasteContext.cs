using XPaste.Coco;

namespace XPaste.Augment;

/// <summary>What a policy may look at when it plans one destination.</summary>
/// <param name="Width">The destination's width (after its jitter).</param>
/// <param name="Height">The destination's height (after its jitter).</param>
/// <param name="ExistingLabels">Categories of the destination's objects (some may have left the window after the jitter).</param>
/// <param name="Pool">The instance pool, when one is configured.</param>
/// <param name="Dataset">The annotated images, when configured (Simple Copy-Paste draws its sources from them).</param>
/// <param name="Sizes">Per-category size statistics, when known.</param>
public sealed record PasteContext(
    int Width,
    int Height,
    IReadOnlyList<long> ExistingLabels,
    IPasteInstancePool? Pool = null,
    IAnnotatedImageSource? Dataset = null,
    CategorySizeStatistics? Sizes = null);
