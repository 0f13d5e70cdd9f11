namespace XPaste.Offline;

/// <summary>What one <see cref="OfflinePipeline.RunAsync"/> (or several, <see cref="Plus"/>) did.</summary>
/// <param name="Added">Instances written to the bank.</param>
/// <param name="Skipped">Images skipped because the bank had already processed them (a resumed run).</param>
/// <param name="Rejected">Images recorded as rejected.</param>
public sealed record OfflineResult(int Added, int Skipped, int Rejected)
{
    /// <summary>An empty result.</summary>
    public static OfflineResult Empty { get; } = new(0, 0, 0);

    /// <summary>How many of the added instances each extractor's mask made (<c>annotation</c> for a source's own masks).</summary>
    public IReadOnlyDictionary<string, int> AddedByExtractor { get; init; } = new Dictionary<string, int>();

    /// <summary>How many images were rejected for each cause, by kind name (<see cref="Bank.BankRejection.KindName"/>, e.g. <c>area_below_min</c>).</summary>
    public IReadOnlyDictionary<string, int> RejectedByKind { get; init; } = new Dictionary<string, int>();

    /// <summary>Per category name: instances added and images rejected by this run.</summary>
    public IReadOnlyDictionary<string, OfflineCategoryCounts> ByCategory { get; init; } = new Dictionary<string, OfflineCategoryCounts>();

    /// <summary>The sum of two results (e.g. of several sources into one bank).</summary>
    /// <param name="other">The other result.</param>
    /// <returns>Counts added up key by key.</returns>
    public OfflineResult Plus(OfflineResult other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new OfflineResult(Added + other.Added, Skipped + other.Skipped, Rejected + other.Rejected)
        {
            AddedByExtractor = Sum(AddedByExtractor, other.AddedByExtractor, (a, b) => a + b),
            RejectedByKind = Sum(RejectedByKind, other.RejectedByKind, (a, b) => a + b),
            ByCategory = Sum(ByCategory, other.ByCategory, (a, b) => new OfflineCategoryCounts(a.Added + b.Added, a.Rejected + b.Rejected)),
        };
    }

    private static Dictionary<string, T> Sum<T>(IReadOnlyDictionary<string, T> a, IReadOnlyDictionary<string, T> b, Func<T, T, T> add)
    {
        var sum = new Dictionary<string, T>(a, StringComparer.Ordinal);
        foreach ((string key, T value) in b)
        {
            sum[key] = sum.TryGetValue(key, out T? existing) ? add(existing, value) : value;
        }

        return sum;
    }
}
