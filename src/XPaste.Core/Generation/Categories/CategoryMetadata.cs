using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using XPaste.Abstractions;
using XPaste.IO;

namespace XPaste.Generation.Categories;

/// <summary>
/// A category folder's <c>metadata.jsonl</c>: one line per image (file, category, index, prompt, seed, settings hash and
/// every pixel-changing setting), rewritten atomically, lines ordered by index.
/// </summary>
internal sealed class CategoryMetadata
{
    private readonly string _path;
    private readonly SortedDictionary<int, (string Hash, string Line)> _lines = [];

    private CategoryMetadata(string path) => _path = path;

    /// <summary>Reads the file if it exists; lines that cannot be parsed are dropped (their images are made again).</summary>
    public static CategoryMetadata Load(string path)
    {
        var metadata = new CategoryMetadata(path);
        if (!File.Exists(path))
        {
            return metadata;
        }

        foreach (string line in File.ReadLines(path, Encoding.UTF8))
        {
            try
            {
                if (JsonNode.Parse(line) is JsonObject node
                    && node["k"]?.GetValue<int>() is int k
                    && node["settings_hash"]?.GetValue<string>() is string hash)
                {
                    metadata._lines[k] = (hash, line);
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
            {
                // A hand-edited or foreign line: the image it names is made again.
            }
        }

        return metadata;
    }

    /// <summary>Removes the temporary files an interrupted write leaves in <paramref name="folder"/>.</summary>
    public static void DeleteTemporaryFiles(string folder)
    {
        foreach (string file in Directory.EnumerateFiles(folder).Where(AtomicFile.IsTemporary))
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // Another process may be writing it right now (a retried shard beside a slow one): leave it.
            }
        }
    }

    /// <summary>The settings hash recorded for image <paramref name="k"/>, or null.</summary>
    public string? SettingsHashOf(int k) => _lines.TryGetValue(k, out var entry) ? entry.Hash : null;

    /// <summary>Forgets image <paramref name="k"/>'s line.</summary>
    public void Remove(int k) => _lines.Remove(k);

    /// <summary>Records image <paramref name="k"/>'s line.</summary>
    public void Set(int k, string settingsHash, string line) => _lines[k] = (settingsHash, line);

    /// <summary>Writes the file atomically.</summary>
    public void Save()
    {
        var text = new StringBuilder();
        foreach ((string _, string line) in _lines.Values)
        {
            text.Append(line).Append('\n');
        }

        AtomicFile.WriteAllText(_path, text.ToString());
    }

    /// <summary>One image's line.</summary>
    public static string Line(string file, CategoryInfo? category, int k, string prompt, long seed, string settingsHash,
        IReadOnlyDictionary<string, string> settings)
    {
        var node = new JsonObject { ["file"] = file };
        if (category is not null)
        {
            node["category_id"] = category.Id;
            node["category"] = category.Name;
        }

        node["k"] = k;
        node["prompt"] = prompt;
        node["seed"] = seed;
        node["settings_hash"] = settingsHash;

        foreach ((string key, string value) in settings)
        {
            if (!node.ContainsKey(key))
            {
                node[key] = value;
            }
        }

        return node.ToJsonString();
    }
}
