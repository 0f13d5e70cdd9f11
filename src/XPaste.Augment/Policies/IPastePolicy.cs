using XPaste.Coco;

namespace XPaste.Augment;

/// <summary>
/// Decides what to paste onto one destination, without touching pixels: the decisions come back as serialisable
/// steps that the kernel executes (and that can be logged and replayed). Implementations must take every random
/// decision from the given <see cref="PasteRandom"/> so that a seed reproduces the plan, and be thread-safe.
/// </summary>
public interface IPastePolicy
{
    /// <summary>Plans the pastes for one destination.</summary>
    /// <param name="context">The destination's size and objects, and what can be pasted.</param>
    /// <param name="random">The sample's random numbers.</param>
    /// <returns>The steps, in paste order (later ones cover earlier ones).</returns>
    IReadOnlyList<PasteStep> Plan(PasteContext context, PasteRandom random);
}

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
