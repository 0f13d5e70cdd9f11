using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using XPaste.Bank;
using XPaste.IO;

namespace XPaste.Offline;

/// <summary>
/// What a merged bank was made from, <c>{merged}/merge.json</c>: per shard, a SHA-256 of its run record and one of its
/// bank's instances and rejections; and, once the merge is whole, its counts. A merge into a folder holding the same
/// inputs is a no-op; a folder holding other inputs is refused by name.
/// </summary>
internal sealed record MergeInputs
{
    /// <summary>The file's name inside the merged bank (a bank ignores files it does not know).</summary>
    public const string FileName = "merge.json";

    private const string FormatName = "xpaste-merge";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    [JsonPropertyName("format")]
    public string Format { get; init; } = FormatName;

    [JsonPropertyName("shard_count")]
    public int ShardCount { get; init; }

    [JsonPropertyName("shards")]
    public IReadOnlyList<MergedShard> Shards { get; init; } = [];

    /// <summary>Set when the merge finished (the file is then inside the renamed output).</summary>
    [JsonPropertyName("result")]
    public MergeCounts? Result { get; init; }

    /// <summary>The inputs of a merge: each shard's record file and bank, in shard order.</summary>
    public static MergeInputs Of(int shardCount, IEnumerable<(int Index, string RecordPath, InstanceBankReader Bank)> shards) => new()
    {
        ShardCount = shardCount,
        Shards = [.. shards.OrderBy(s => s.Index).Select(s => new MergedShard(s.Index, Hash(File.ReadAllBytes(s.RecordPath)), BankDigest(s.Bank)))],
    };

    /// <summary>The recorded inputs in <paramref name="folder"/>, or null when it has none (or an unreadable file).</summary>
    public static MergeInputs? TryRead(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            MergeInputs? read = JsonSerializer.Deserialize<MergeInputs>(File.ReadAllText(path), Json);
            return read?.Format == FormatName ? read : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes the file into <paramref name="folder"/> atomically.</summary>
    public void Write(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Json));

    /// <summary>True when both name the same shards with the same records and banks (results aside).</summary>
    public bool SameInputs(MergeInputs other) => ShardCount == other.ShardCount && Shards.SequenceEqual(other.Shards);

    /// <summary>How these (current) inputs differ from the recorded <paramref name="other"/>, in words (for the refusal).</summary>
    public string Difference(MergeInputs other)
    {
        if (ShardCount != other.ShardCount)
        {
            return $"it was merged from a run of {other.ShardCount} shards, this run has {ShardCount}";
        }

        var theirs = other.Shards.ToDictionary(s => s.Index);
        var mine = Shards.ToDictionary(s => s.Index);
        foreach (int index in mine.Keys.Union(theirs.Keys).Order())
        {
            if (!theirs.TryGetValue(index, out MergedShard? t))
            {
                return $"shard {index} was not part of it";
            }

            if (!mine.TryGetValue(index, out MergedShard? m))
            {
                return $"shard {index} was part of it but is not complete now";
            }

            if (m.Record != t.Record)
            {
                return $"shard {index}'s run record has changed since";
            }

            if (m.Bank != t.Bank)
            {
                return $"shard {index}'s bank has changed since";
            }
        }

        return "its inputs differ";
    }

    private static string BankDigest(InstanceBankReader bank)
    {
        var text = new StringBuilder();
        foreach (BankInstance instance in bank.Instances)
        {
            text.Append("i ").Append(instance.Id).Append(' ').Append(instance.ContentHash).Append('\n');
        }

        foreach (BankRejection rejection in bank.Rejections)
        {
            text.Append("r ").Append(rejection.Source).Append('\t').Append(rejection.Reason).Append('\t').Append(rejection.Extractor).Append('\n');
        }

        return Hash(Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

/// <summary>One merged shard: its index, the SHA-256 of its run record and of its bank's contents.</summary>
internal sealed record MergedShard(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("record_sha256")] string Record,
    [property: JsonPropertyName("bank_sha256")] string Bank);

/// <summary>The counts of a finished merge, kept so that a no-op rerun reports them.</summary>
internal sealed record MergeCounts(
    [property: JsonPropertyName("instances")] int Instances,
    [property: JsonPropertyName("duplicates")] int Duplicates,
    [property: JsonPropertyName("rejections")] int Rejections);
