namespace XPaste.Augment;

/// <summary>
/// Paste objects of another annotated image (Simple Copy-Paste): jitter that image to the destination's size, then
/// paste the chosen objects where they are, together.
/// </summary>
/// <param name="Image">The source image's index in the dataset.</param>
/// <param name="ImageId">The source image's id (checked on replay).</param>
/// <param name="Jitter">The source's own jitter, whose output size is the destination's.</param>
/// <param name="Objects">Indices of the chosen objects among the source's objects, in paste order.</param>
public sealed record ImagePasteStep(int Image, string ImageId, JitterPlan Jitter, IReadOnlyList<int> Objects) : PasteStep;
