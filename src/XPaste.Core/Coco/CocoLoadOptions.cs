namespace XPaste.Coco;

/// <summary>Options for <see cref="CocoDataset.Load(string, CocoLoadOptions?)"/> and its variants.</summary>
public sealed class CocoLoadOptions
{
    /// <summary>The defaults.</summary>
    public static CocoLoadOptions Default { get; } = new();

    /// <summary>
    /// What to do with an annotation that points at a missing image or category, repeats an id, or has a malformed
    /// segmentation. Default <see cref="InvalidAnnotationHandling.Throw"/>. File-level problems (bad JSON, duplicate
    /// image or category ids, images without a usable size) always throw.
    /// </summary>
    public InvalidAnnotationHandling InvalidAnnotations { get; init; } = InvalidAnnotationHandling.Throw;

    /// <summary>
    /// Whether RLE segmentations are parsed and their counts checked against the image size while loading.
    /// Default true. Polygons are always checked for their point count (not rasterised).
    /// </summary>
    public bool ValidateRleCounts { get; init; } = true;

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new CocoLoadOptionsValidator(), this);
}
