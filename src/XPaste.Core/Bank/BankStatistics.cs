namespace XPaste.Bank;

/// <summary>What a bank holds: instances, sizes and scores per category (what <c>xpaste bank stats</c> prints).</summary>
/// <param name="Folder">The bank folder.</param>
/// <param name="Instances">Instances in the bank.</param>
/// <param name="Rejected">Sources recorded as processed without an instance.</param>
/// <param name="Bytes">Total size of the instances' PNG files.</param>
/// <param name="Extractors">Instances per winning extractor, by ordinal extractor name.</param>
/// <param name="Categories">One row per category with instances, by ascending id.</param>
/// <param name="RunnersUp">Instances where each extractor's mask was scored but lost (multi-extractor runs), by ordinal name.</param>
/// <param name="RejectionReasons">Rejected sources per cause by kind name (<see cref="BankRejection.KindName"/>), most frequent first.</param>
public sealed record BankStatistics(
    string Folder,
    int Instances,
    int Rejected,
    long Bytes,
    IReadOnlyDictionary<string, int> Extractors,
    IReadOnlyList<BankCategoryStatistics> Categories,
    IReadOnlyDictionary<string, int> RunnersUp,
    IReadOnlyDictionary<string, int> RejectionReasons)
{
    /// <summary>Computes the statistics of <paramref name="bank"/> (reads file sizes, not pixels).</summary>
    /// <param name="bank">The bank, opened for reading or writing.</param>
    /// <returns>The statistics.</returns>
    public static BankStatistics Compute(InstanceBankReader bank)
    {
        ArgumentNullException.ThrowIfNull(bank);
        var categories = bank.ByCategory.Select(pair =>
        {
            IReadOnlyList<BankInstance> list = pair.Value;
            float[] scores = list.Where(i => i.ClipScore.HasValue).Select(i => i.ClipScore!.Value).ToArray();
            return new BankCategoryStatistics(
                pair.Key,
                list[0].CategoryName,
                list.Count,
                Median(list.Select(i => i.Width)),
                Median(list.Select(i => i.Height)),
                list.Min(i => Math.Min(i.Width, i.Height)),
                list.Max(i => Math.Max(i.Width, i.Height)),
                scores.Length == 0 ? null : Math.Round(scores.Average(), 3));
        }).ToArray();
        IReadOnlyList<BankInstance> instances = bank.Instances;
        long bytes = instances.Sum(i => new FileInfo(bank.GetFullPath(i)) is { Exists: true } f ? f.Length : 0);
        var extractors = instances.GroupBy(i => i.Extractor).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        var runnersUp = instances.SelectMany(i => i.RunnerUpScores?.Keys ?? []).GroupBy(k => k)
            .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        IReadOnlyList<BankRejection> rejections = bank.Rejections;
        var reasons = rejections.GroupBy(r => r.KindName).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());
        return new BankStatistics(bank.Folder, instances.Count, rejections.Count, bytes, extractors, categories, runnersUp, reasons);
    }

    /// <summary>The upper median: for an even count the larger middle value, so it is always a size that occurs.</summary>
    private static int Median(IEnumerable<int> values)
    {
        int[] sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
