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
