using System.Text.Json;

namespace XPaste.Generation;

/// <summary>
/// Strict readers for diffusers / transformers <c>config.json</c> files: an absent (or null) key takes the class
/// default when there is one, a required key that is absent or a value of the wrong type is an error naming the
/// file and the key.
/// </summary>
internal sealed class ConfigJson
{
    private readonly JsonElement _root;

    private ConfigJson(JsonElement root, string file)
    {
        _root = root;
        File = file;
    }

    /// <summary>The file's name for error messages.</summary>
    public string File { get; }

    /// <summary>Parses the file; missing file and malformed JSON name it.</summary>
    public static ConfigJson Load(string path)
    {
        if (!System.IO.File.Exists(path))
        {
            throw new InvalidInputException(path, "file not found");
        }

        return Parse(System.IO.File.ReadAllText(path), path);
    }

    /// <summary>Parses JSON text; <paramref name="file"/> names it in errors.</summary>
    public static ConfigJson Parse(string json, string file)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInputException(file, "the configuration is not a JSON object");
            }

            return new ConfigJson(doc.RootElement.Clone(), file);
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException(file, $"not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>True when the key is present with a non-null value.</summary>
    public bool Has(string key) => _root.TryGetProperty(key, out JsonElement v) && v.ValueKind != JsonValueKind.Null;

    public int Int(string key, int? fallback = null) => Struct(key, fallback, "an integer", e =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) ? v : null);

    public int? OptionalInt(string key) => Has(key) ? Int(key) : null;

    public double Double(string key, double? fallback = null) => Struct(key, fallback, "a number", e =>
        e.ValueKind == JsonValueKind.Number ? e.GetDouble() : null);

    public bool Bool(string key, bool? fallback = null) => Struct(key, fallback, "true or false", e =>
        e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : null);

    public string String(string key, string? fallback = null) => Value(key, fallback, "a string", e =>
        e.ValueKind == JsonValueKind.String ? e.GetString() : null);

    public string? OptionalString(string key) => Has(key) ? String(key) : null;

    public IReadOnlyList<int> IntList(string key, IReadOnlyList<int>? fallback = null) => Value(key, fallback, "a list of integers", e =>
        e.ValueKind == JsonValueKind.Array && e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out _))
            ? e.EnumerateArray().Select(x => x.GetInt32()).ToArray()
            : null);

    public IReadOnlyList<string> StringList(string key, IReadOnlyList<string>? fallback = null) => Value(key, fallback, "a list of strings", e =>
        e.ValueKind == JsonValueKind.Array && e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String)
            ? e.EnumerateArray().Select(x => x.GetString()!).ToArray()
            : null);

    /// <summary>A JSON array as strings (null for non-string entries), or null when the key is not an array.</summary>
    public IReadOnlyList<string?>? StringListOrNulls(string key) =>
        Has(key) && _root.GetProperty(key).ValueKind == JsonValueKind.Array
            ? _root.GetProperty(key).EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : null).ToList()
            : null;

    /// <summary>An integer or a list of integers (per block), expanded to <paramref name="count"/> entries.</summary>
    public IReadOnlyList<int> IntOrList(string key, int count, int? fallback = null)
    {
        if (Has(key) && _root.GetProperty(key).ValueKind == JsonValueKind.Array)
        {
            IReadOnlyList<int> list = IntList(key);
            if (list.Count != count)
            {
                throw new InvalidInputException(File, $"'{key}' lists {list.Count} values but there are {count} blocks");
            }

            return list;
        }

        int single = Struct(key, fallback, "an integer or a list of integers", e =>
            e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) ? v : null);
        return Enumerable.Repeat(single, count).ToArray();
    }

    /// <summary>Throws unless the key is absent, null, or equal to <paramref name="supported"/>.</summary>
    public void RequireDefault(string key, object? supported)
    {
        if (!Has(key))
        {
            return;
        }

        JsonElement e = _root.GetProperty(key);
        string text = e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText();
        string expected = supported switch
        {
            null => "null",
            bool b => b ? "true" : "false",
            _ => Convert.ToString(supported, System.Globalization.CultureInfo.InvariantCulture)!,
        };
        if (text != expected)
        {
            throw new InvalidInputException(File, $"'{key}' is {text}: only {expected} is supported");
        }
    }

    private T Value<T>(string key, T? fallback, string kind, Func<JsonElement, T?> read)
        where T : class
    {
        if (!Has(key))
        {
            return fallback ?? throw new InvalidInputException(File, $"required key '{key}' is missing");
        }

        JsonElement e = _root.GetProperty(key);
        return read(e) ?? throw new InvalidInputException(File, $"'{key}' must be {kind}, not {e.GetRawText()}");
    }

    private T Struct<T>(string key, T? fallback, string kind, Func<JsonElement, T?> read)
        where T : struct
    {
        if (!Has(key))
        {
            return fallback ?? throw new InvalidInputException(File, $"required key '{key}' is missing");
        }

        JsonElement e = _root.GetProperty(key);
        return read(e) ?? throw new InvalidInputException(File, $"'{key}' must be {kind}, not {e.GetRawText()}");
    }
}
