using System.Text.Json;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// Finds and reads a diffusers component's weights: <c>{name}[.variant].safetensors</c>, else the pickle
/// <c>{bin}[.variant].bin</c>, else a sharded <c>{name}.safetensors.index[.variant].json</c> (or the <c>.bin</c>
/// index) with its <c>weight_map</c>.
/// </summary>
internal static class DiffusersWeights
{
    /// <summary>The weight file (or index) a component folder holds, or null.</summary>
    public static string? Find(string folder, string name, string bin, string? variant)
    {
        string v = variant is null ? "" : "." + variant;
        string[] candidates =
        [
            $"{name}{v}.safetensors",
            $"{bin}{v}.bin",
            $"{name}.safetensors.index{v}.json",
            $"{bin}.bin.index{v}.json",
        ];
        return candidates.Select(c => Path.Combine(folder, c)).FirstOrDefault(File.Exists);
    }

    /// <summary>Reads every tensor of a weight file or sharded index; the caller disposes them.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        if (!path.EndsWith(".json", StringComparison.Ordinal))
        {
            return StateDictFile.Load(path);
        }

        string folder = Path.GetDirectoryName(path)!;
        List<string> shards;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            if (!doc.RootElement.TryGetProperty("weight_map", out JsonElement map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidWeightsException(path, "the index has no 'weight_map' object");
            }

            shards = map.EnumerateObject().Select(p => p.Value.GetString() ?? "").Distinct(StringComparer.Ordinal).ToList();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new InvalidWeightsException(path, $"not a valid weights index: {ex.Message}", ex);
        }

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (string shard in shards)
            {
                if (shard.Length == 0 || shard.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(shard))
                {
                    throw new InvalidWeightsException(path, $"invalid shard name '{shard}' in weight_map");
                }

                foreach (var (key, tensor) in StateDictFile.Load(Path.Combine(folder, shard)))
                {
                    if (!result.TryAdd(key, tensor))
                    {
                        tensor.Dispose();
                        throw new InvalidWeightsException(path, $"tensor '{key}' appears in more than one shard");
                    }
                }
            }
        }
        catch
        {
            Dispose(result);
            throw;
        }

        return result;
    }

    /// <summary>Renames the mid-block attention keys old diffusers wrote (<c>query/key/value/proj_attn</c>) as diffusers does on load.</summary>
    public static Dictionary<string, Tensor> RenameLegacyVaeAttention(Dictionary<string, Tensor> weights)
    {
        var renamed = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in weights)
        {
            string name = key;
            foreach (var (old, @new) in LegacyAttention)
            {
                int at = key.IndexOf(".attentions.0." + old + ".", StringComparison.Ordinal);
                if (at >= 0)
                {
                    name = key[..at] + ".attentions.0." + @new + "." + key[(at + ".attentions.0.".Length + old.Length + 1)..];
                    break;
                }
            }

            renamed[name] = tensor;
        }

        return renamed;
    }

    public static void Dispose(Dictionary<string, Tensor> weights)
    {
        foreach (Tensor t in weights.Values)
        {
            t.Dispose();
        }
    }

    private static readonly (string Old, string New)[] LegacyAttention =
        [("query", "to_q"), ("key", "to_k"), ("value", "to_v"), ("proj_attn", "to_out.0")];
}
