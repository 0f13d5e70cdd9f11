namespace XPaste.Coco;

/// <summary>
/// A COCO or LVIS file that cannot be used. The message names the file, the annotation (or image, or category) and
/// the problem, e.g. <c>instances.json: annotation 17: RLE counts sum to 99 but a 10x10 mask has 100 pixels</c>.
/// </summary>
public class CocoFormatException : InvalidInputException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="file">The file (or stream name) that was read.</param>
    /// <param name="annotationId">The annotation at fault, or null for a file-level problem.</param>
    /// <param name="problem">What is wrong, without the file's name.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public CocoFormatException(string file, long? annotationId, string problem, Exception? innerException = null)
        : base(file, annotationId is { } id ? $"annotation {id}: {problem}" : problem, innerException)
    {
        AnnotationId = annotationId;
    }

    /// <summary>The annotation at fault, or null when the problem is with the file as a whole.</summary>
    public long? AnnotationId { get; }
}
