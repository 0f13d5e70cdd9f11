using System.Globalization;

namespace XPaste.Bank;

/// <summary>
/// A source that was processed but gave no instance (empty mask, filtered out by CLIP, too small...), with the measured
/// value and the limit it missed. The bank keeps these so that a resumed run does not process the source again, and
/// every report reads them the same way: <see cref="KindName"/> groups, <see cref="Text"/> explains
/// (<c>mask area 0.034 &lt; 0.05 (clipseg)</c>).
/// </summary>
/// <param name="Source">The source key, as <see cref="BankInstance.Source"/> would have been.</param>
/// <param name="Category">The category name of the source, when known.</param>
/// <param name="Kind">The cause.</param>
/// <param name="Extractor">The extractor whose mask was judged, if any.</param>
/// <param name="Value">The measured value (area fraction, pixels, score...), when the cause has one.</param>
/// <param name="Limit">The limit the value missed, when the cause has one.</param>
public sealed record BankRejection(string Source, string? Category, RejectionKind Kind, string? Extractor = null, double? Value = null, double? Limit = null)
{
    /// <summary>The free-text reason of a rejection recorded before rejections were typed (<see cref="RejectionKind.Other"/>); null otherwise.</summary>
    public string? Note { get; init; }

    /// <summary>The kind's name (<see cref="RejectionKinds.Name"/>), the key reports group by.</summary>
    public string KindName => RejectionKinds.Name(Kind);

    /// <summary>The cause with its numbers, e.g. <c>mask area 0.034 &lt; 0.05</c> or <c>clip score 17.30 &lt; 21.00</c>.</summary>
    public string Reason => Kind switch
    {
        RejectionKind.EmptyMask => "empty mask",
        RejectionKind.AreaBelowMin => $"mask area {F(Value, "0.000")} < {F(Limit, "0.###")}",
        RejectionKind.AreaAboveMax => $"mask area {F(Value, "0.000")} > {F(Limit, "0.###")}",
        RejectionKind.TooThin => $"cut-out side {F(Value, "0")} px < {F(Limit, "0")} px",
        RejectionKind.CutoutTooSmall => $"cut-out short side {F(Value, "0")} px < {F(Limit, "0")} px",
        RejectionKind.ClipRule => Limit is null ? $"clip score {F(Value, "0.00")} rejected by the category rule" : $"clip score {F(Value, "0.00")} < {F(Limit, "0.00")}",
        RejectionKind.RealSimilarity => $"real-crop similarity {F(Value, "0.000")} < {F(Limit, "0.###")}",
        RejectionKind.NearDuplicate => $"near duplicate (hash distance {F(Value, "0")} <= {F(Limit, "0")})",
        RejectionKind.OverBudget => $"category budget of {F(Limit, "0")} instances reached",
        _ => Note ?? "other",
    };

    /// <summary><see cref="Reason"/> followed by the extractor in parentheses, as reports print it.</summary>
    public string Text => Extractor is null ? Reason : $"{Reason} ({Extractor})";

    private static string F(double? value, string format) => value is double v ? v.ToString(format, CultureInfo.InvariantCulture) : "?";
}
