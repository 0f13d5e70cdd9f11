using System.Globalization;

namespace XPaste.Yolo;

/// <summary>A label line that could not be used, and why.</summary>
/// <param name="File">The label file.</param>
/// <param name="Line">The 1-based line.</param>
/// <param name="Problem">What is wrong with it.</param>
public sealed record YoloLabelProblem(string File, int Line, string Problem)
{
    /// <summary>The line as messages name it: <c>path/to/labels/a.txt:3</c>.</summary>
    public string Position => string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}");
}
