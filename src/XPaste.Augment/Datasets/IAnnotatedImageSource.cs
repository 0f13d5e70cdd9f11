namespace XPaste.Augment;

/// <summary>
/// Annotated images with instance masks: the destinations that instances are pasted onto, and the sources of Simple
/// Copy-Paste. Policies read only <see cref="Images"/>; pixels and masks are loaded when a plan is executed.
/// </summary>
public interface IAnnotatedImageSource
{
    /// <summary>Every image, in a stable order; a plan refers to an image by its index here and its id.</summary>
    IReadOnlyList<AnnotatedImageInfo> Images { get; }

    /// <summary>Loads one image with its objects.</summary>
    /// <param name="index">The index into <see cref="Images"/>.</param>
    /// <returns>The image, on the CPU; the caller owns (and disposes) it.</returns>
    AnnotatedImage Load(int index);
}
