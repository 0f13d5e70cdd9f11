using XPaste.Abstractions;
using XPaste.Sharding;

namespace XPaste.Offline;

/// <summary>Options of <see cref="BankRun"/>: where, which categories, which shard.</summary>
public sealed class BankRunOptions
{
    /// <summary>
    /// The run's output folder. Generated images go to <c>{out}/images/{category}/</c> (shared by all shards: their
    /// categories are disjoint), the bank to <c>{out}/bank</c> (unsharded) or <c>{out}/shard-{K}-of-{N}</c>, the run
    /// record to <c>{out}/runs/</c>.
    /// </summary>
    public required string OutputFolder { get; init; }

    /// <summary>Every category of the run (all shards); each shard takes those <see cref="ShardSpec.Contains"/> gives it.</summary>
    public required IReadOnlyList<CategoryInfo> Categories { get; init; }

    /// <summary>
    /// A folder of crawled or generated images (<c>{root}/{category}/</c>) to read instead of generating; null when the
    /// run generates into <c>{out}/images</c>.
    /// </summary>
    public string? ImagesFolder { get; init; }

    /// <summary>This worker's shard. Default: the whole run.</summary>
    public ShardSpec Shard { get; init; } = ShardSpec.Whole;

    /// <summary>
    /// The extraction and filtering settings that change the bank (extractors and their weights, CLIP model, keep rule,
    /// area limits...), recorded and compared on resume and merge. The generator's settings are added by the run.
    /// </summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Start the shard over (its bank is deleted) when it was begun with other settings, instead of refusing.</summary>
    public bool StartOver { get; init; }

    /// <summary>The folder the shard's bank lives in.</summary>
    public string BankFolder => Path.Combine(OutputFolder, Shard.IsSingle ? "bank" : Shard.FolderName);

    /// <summary>The folder the images are read from.</summary>
    public string ImagesRoot => ImagesFolder ?? Path.Combine(OutputFolder, "images");

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is missing.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(OutputFolder))
        {
            throw new ArgumentException("OutputFolder is required", nameof(OutputFolder));
        }

        if (Categories is null || Categories.Count == 0)
        {
            throw new ArgumentException("Categories must list at least one category", nameof(Categories));
        }

        var duplicate = Categories.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"the category name '{duplicate.Key}' appears twice", nameof(Categories));
        }
    }
}
