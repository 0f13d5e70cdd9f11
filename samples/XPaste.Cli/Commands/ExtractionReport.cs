using System.Globalization;
using XPaste.Bank;
using XPaste.Extraction;

namespace XPaste.Cli.Commands;

/// <summary>What <c>xpaste bank extract</c> says when it ends: what was added, and what was rejected and why.</summary>
internal static class ExtractionReport
{
    /// <summary>Writes the summary sentence, the rejections counted by reason, and with <paramref name="verbose"/> each rejected image.</summary>
    public static void Write(TextWriter output, string bankFolder, BankExtractionResult result, InstanceBank bank, IReadOnlyList<BankRejection> rejections, bool verbose)
    {
        string winners = result.AddedByExtractor.Count == 0
            ? ""
            : $" ({string.Join(", ", result.AddedByExtractor.Select(p => $"{p.Value} by {p.Key}"))})";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{bankFolder}: {Count(result.Added, "instance")} added{winners}, {Count(result.Skipped, "image")} already done, {Count(result.Rejected, "image")} rejected; the bank holds {Count(bank.Count, "instance")} in {Count(bank.Categories.Count, "category", "categories")}"));
        if (rejections.Count == 0)
        {
            return;
        }

        output.WriteLine("rejected:");
        foreach (var group in rejections.GroupBy(r => Reason(r.Reason)).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {group.Count(),6}  {group.Key}"));
        }

        if (verbose)
        {
            foreach (BankRejection rejection in rejections)
            {
                output.WriteLine($"  {rejection.Source}: {rejection.Reason}{(rejection.Extractor is null ? "" : $" ({rejection.Extractor})")}");
            }
        }
        else
        {
            output.WriteLine("  (--verbose lists each image)");
        }
    }

    /// <summary>The reason without the numbers that differ per image, so that equal reasons count together.</summary>
    internal static string Reason(string reason) => reason switch
    {
        _ when reason.StartsWith("mask area", StringComparison.Ordinal) && reason.Contains('<', StringComparison.Ordinal) => "mask too small (below --min-area)",
        _ when reason.StartsWith("mask area", StringComparison.Ordinal) && reason.Contains('>', StringComparison.Ordinal) => "mask too large (above --max-area)",
        _ when reason.StartsWith("zero-shot score", StringComparison.Ordinal) => "CLIP score below the category's rule (--min-clip, --tolerance)",
        _ when reason.StartsWith("cut-out thinner", StringComparison.Ordinal) => "cut-out too thin",
        _ => reason,
    };

    private static string Count(int n, string singular, string? plural = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{n} {(n == 1 ? singular : plural ?? singular + "s")}");
}
