namespace XPaste.Coco;

/// <summary>What the loader does with an annotation it cannot use.</summary>
public enum InvalidAnnotationHandling
{
    /// <summary>Throw a <see cref="CocoFormatException"/> naming the file, the annotation and the problem (default).</summary>
    Throw,

    /// <summary>Leave the annotation out and list it in <see cref="CocoDataset.SkippedAnnotations"/>.</summary>
    Skip,
}

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
}

/// <summary>Options for <see cref="CocoDataset.Save(string, CocoSaveOptions?)"/>.</summary>
public sealed class CocoSaveOptions
{
    /// <summary>The defaults.</summary>
    public static CocoSaveOptions Default { get; } = new();

    /// <summary>Indent the JSON (larger files, readable). Default false, as COCO and LVIS files are written.</summary>
    public bool Indented { get; init; }
}

/// <summary>An annotation the loader left out, and why.</summary>
/// <param name="AnnotationId">The annotation's <c>id</c> (0 when it has none, see <see cref="HasId"/>).</param>
/// <param name="Index">Its position in the file's <c>annotations</c> array.</param>
/// <param name="Problem">What is wrong with it.</param>
public sealed record CocoAnnotationProblem(long AnnotationId, int Index, string Problem)
{
    /// <summary>Whether the annotation has an <c>id</c>; without one it is named by <see cref="Index"/>.</summary>
    public bool HasId { get; init; } = true;

    /// <summary>The annotation as messages name it: <c>annotation 17</c>, or <c>annotations[5]</c> when it has no id.</summary>
    public string Position => HasId
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"annotation {AnnotationId}")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"annotations[{Index}]");
}
