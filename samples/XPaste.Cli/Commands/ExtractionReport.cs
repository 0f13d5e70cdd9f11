using System.Globalization;
using XPaste.Bank;
using XPaste.Offline;

namespace XPaste.Cli.Commands;

/// <summary>What <c>xpaste bank build</c> and <c>bank extract</c> say when they end: what was added, and what was rejected and why.</summary>
internal static class ExtractionReport
{
    /// <summary>Writes the summary sentence, the rejections counted by reason, and with <paramref name="verbose"/> each rejected image (kind, measured value, limit, extractor).</summary>
    public static void Write(TextWriter output, string bankFolder, OfflineResult result, InstanceBank bank, IReadOnlyList<BankRejection> rejections, bool verbose)
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
        foreach (var (reason, count) in result.RejectedByKind.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {count,6}  {reason}"));
        }

        if (verbose)
        {
            foreach (BankRejection rejection in rejections)
            {
                output.WriteLine($"  {rejection.Source}: {rejection.KindName}: {rejection.Text}");
            }
        }
        else
        {
            output.WriteLine("  (--verbose lists each image)");
        }
    }

    private static string Count(int n, string singular, string? plural = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{n} {(n == 1 ? singular : plural ?? singular + "s")}");
}
