namespace XPaste.Augment;

/// <summary>What a policy knows about one annotated image.</summary>
/// <param name="Id">A stable id (the dataset's image id as text): logged in plans and checked on replay.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="ObjectCount">How many objects <see cref="IAnnotatedImageSource.Load"/> returns for it.</param>
public sealed record AnnotatedImageInfo(string Id, int Width, int Height, int ObjectCount)
{
    /// <summary>
    /// Per object (in <see cref="IAnnotatedImageSource.Load"/> order), whether it is known by its box only (a detection
    /// label): its mask is then the full box, which is how it occludes and is occluded (an approximation, as
    /// mmdetection's copy-paste for box-only data), and the writers give it a box and no segmentation. Null when every
    /// object has a real mask.
    /// </summary>
    public IReadOnlyList<bool>? BoxOnly { get; init; }

    /// <summary>Whether object <paramref name="index"/> is known by its box only (see <see cref="BoxOnly"/>).</summary>
    /// <param name="index">The object's index.</param>
    /// <returns>True for a box-only object.</returns>
    public bool IsBoxOnly(int index) => BoxOnly is { } flags && index >= 0 && index < flags.Count && flags[index];
}
