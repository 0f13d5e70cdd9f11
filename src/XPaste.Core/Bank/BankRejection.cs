using System.Text.RegularExpressions;

namespace XPaste.Bank;

/// <summary>
/// A source that was processed but gave no instance (empty mask, filtered out by CLIP, too small...). The bank keeps
/// these so that a resumed run does not process the source again.
/// </summary>
/// <param name="Source">The source key, as <see cref="BankInstance.Source"/> would have been.</param>
/// <param name="Reason">Why it was rejected, in a few words.</param>
/// <param name="Extractor">The extractor involved, if any.</param>
public sealed partial record BankRejection(string Source, string Reason, string? Extractor = null)
{
    /// <summary>
    /// The reason with its first number (the measured value) replaced by <c>#</c>, so that rejections group by cause:
    /// <c>mask area 0.012 &lt; 0.05</c> and <c>mask area 0.031 &lt; 0.05</c> are both <c>mask area # &lt; 0.05</c>.
    /// </summary>
    public string ReasonKind => FirstNumber().Replace(Reason, "#", 1);

    [GeneratedRegex(@"-?\d+(\.\d+)?")]
    private static partial Regex FirstNumber();
}
