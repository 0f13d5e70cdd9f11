namespace XPaste.Offline;

/// <summary>Thrown when a bank run's shards are not all there and complete.</summary>
public sealed class IncompleteRunException : InvalidInputException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="root">The run's output folder.</param>
    /// <param name="missingShards">Shards without a record.</param>
    /// <param name="unfinishedShards">Shards that started but did not finish.</param>
    /// <param name="missingCategories">Categories not in any complete shard.</param>
    public IncompleteRunException(string root, IReadOnlyList<int> missingShards, IReadOnlyList<int> unfinishedShards, IReadOnlyList<string> missingCategories)
        : base(root, Describe(missingShards, unfinishedShards, missingCategories))
    {
        MissingShards = missingShards;
        UnfinishedShards = unfinishedShards;
        MissingCategories = missingCategories;
    }

    /// <summary>Shards without a record.</summary>
    public IReadOnlyList<int> MissingShards { get; }

    /// <summary>Shards that started but did not finish.</summary>
    public IReadOnlyList<int> UnfinishedShards { get; }

    /// <summary>Categories not in any complete shard.</summary>
    public IReadOnlyList<string> MissingCategories { get; }

    private static string Describe(IReadOnlyList<int> missing, IReadOnlyList<int> unfinished, IReadOnlyList<string> categories)
    {
        var parts = new List<string>();
        if (missing.Count > 0)
        {
            parts.Add($"shard{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} never ran");
        }

        if (unfinished.Count > 0)
        {
            parts.Add($"shard{(unfinished.Count > 1 ? "s" : "")} {string.Join(", ", unfinished)} did not finish");
        }

        string shown = string.Join(", ", categories.Take(20)) + (categories.Count > 20 ? $", ... ({categories.Count} in all)" : "");
        return $"{string.Join("; ", parts)}; categories not merged: {shown}. Rerun those shards, or merge what is there with --allow-partial";
    }
}
