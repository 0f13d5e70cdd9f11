namespace XPaste.Offline;

/// <summary>What <see cref="ShardMerge.Merge"/> did.</summary>
/// <param name="ShardsMerged">Complete shards merged.</param>
/// <param name="ShardCount">Shards of the run.</param>
/// <param name="Instances">Instances in the merged bank.</param>
/// <param name="Duplicates">Instances left out because their content was already merged.</param>
/// <param name="Rejections">Rejection records carried over.</param>
public sealed record ShardMergeResult(int ShardsMerged, int ShardCount, int Instances, int Duplicates, int Rejections)
{
    /// <summary>True when the output already held a bank merged from the same inputs, so nothing was done.</summary>
    public bool AlreadyMerged { get; init; }
}
