namespace XPaste.Cli;

/// <summary>Small pieces of the commands' printed reports.</summary>
internal static class ReportText
{
    /// <summary>The items joined with ", ", or <c>none</c> when there are none (never an empty field such as <c>wins per extractor: ;</c>).</summary>
    public static string JoinOrNone(IEnumerable<string> items)
    {
        string joined = string.Join(", ", items);
        return joined.Length == 0 ? "none" : joined;
    }
}
