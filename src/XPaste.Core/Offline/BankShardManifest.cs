using System.Text.Json;
using System.Text.Json.Serialization;
using XPaste.IO;

namespace XPaste.Offline;

/// <summary>
/// A bank run's record of one shard, <c>{out}/runs/shard-{K}-of-{N}.json</c>: the settings, the shard's categories, and
/// whether it finished, with per-category counts. <c>xpaste bank merge</c> reads these to check completeness.
/// </summary>
public sealed record BankShardManifest
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The folder under the run's output that holds the manifests.</summary>
    public const string FolderName = "runs";

    /// <summary>The shard index.</summary>
    [JsonPropertyName("shard_index")]
    public int ShardIndex { get; init; }

    /// <summary>The shard count.</summary>
    [JsonPropertyName("shard_count")]
    public int ShardCount { get; init; }

    /// <summary>Every setting that changes the bank (generation, extraction, filtering, the category list).</summary>
    [JsonPropertyName("settings")]
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>The names of this shard's categories, in run order.</summary>
    [JsonPropertyName("categories")]
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>The names of every category of the run (all shards), so a merge can name what a missing shard lacks.</summary>
    [JsonPropertyName("all_categories")]
    public IReadOnlyList<string> AllCategories { get; init; } = [];

    /// <summary>The shard's bank folder, relative to the run's output folder.</summary>
    [JsonPropertyName("bank")]
    public string Bank { get; init; } = "";

    /// <summary>True once every category of the shard is in its bank.</summary>
    [JsonPropertyName("complete")]
    public bool Complete { get; init; }

    /// <summary>Per category (by name): kept and rejected images, rejections by kind name. Set when complete.</summary>
    [JsonPropertyName("summary")]
    public IReadOnlyDictionary<string, CategoryRunSummary>? Summary { get; init; }

    /// <summary>The manifest path of a shard under a run's output folder.</summary>
    /// <param name="outputFolder">The run's output folder.</param>
    /// <param name="index">The shard index.</param>
    /// <param name="count">The shard count.</param>
    /// <returns>The path.</returns>
    public static string PathOf(string outputFolder, int index, int count) =>
        Path.Combine(outputFolder, FolderName, new Sharding.ShardSpec(index, count).FolderName + ".json");

    /// <summary>Reads a manifest.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="InvalidInputException">The file is not a run manifest.</exception>
    public static BankShardManifest Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<BankShardManifest>(File.ReadAllText(path), Json)
                ?? throw new InvalidInputException(path, "empty run manifest");
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException(path, $"not a run manifest: {ex.Message}", ex);
        }
    }

    /// <summary>Writes the manifest atomically.</summary>
    /// <param name="path">The file.</param>
    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));
    }
}
