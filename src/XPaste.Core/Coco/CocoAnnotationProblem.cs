namespace XPaste.Coco;

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
