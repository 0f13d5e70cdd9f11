using System.Globalization;
using System.Text.Json;

namespace XPaste.Generation.Schedulers;

/// <summary>
/// The keys of a diffusers <c>scheduler_config.json</c>, as written in the file. Keys the file lacks are absent here,
/// so each scheduler class fills them with its own defaults (diffusers' <c>from_config</c>).
/// </summary>
public sealed class SchedulerConfig
{
    private readonly Dictionary<string, JsonElement> _values;

    private SchedulerConfig(string source, string? className, Dictionary<string, JsonElement> values)
    {
        Source = source;
        ClassName = className;
        _values = values;
    }

    /// <summary>Where the config came from (a file path), used in error messages.</summary>
    public string Source { get; }

    /// <summary>The <c>_class_name</c> the file names, e.g. <c>PNDMScheduler</c>; null when absent.</summary>
    public string? ClassName { get; }

    /// <summary>The keys present (metadata keys starting with <c>_</c> excluded).</summary>
    public IEnumerable<string> Keys => _values.Keys;

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="InvalidInputException">The file is missing or not a JSON object.</exception>
    public static SchedulerConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException(path, "scheduler config not found");
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses the JSON text of a scheduler config; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidInputException">The text is not a JSON object.</exception>
    public static SchedulerConfig Parse(string json, string source = "scheduler_config.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException(source, $"not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInputException(source, "a scheduler config must be a JSON object");
            }

            // Keys diffusers recorded as defaults of the saving class are dropped, as from_config does.
            var useDefaults = new HashSet<string>(StringComparer.Ordinal);
            if (document.RootElement.TryGetProperty("_use_default_values", out JsonElement defaults) && defaults.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement key in defaults.EnumerateArray())
                {
                    if (key.ValueKind == JsonValueKind.String)
                    {
                        useDefaults.Add(key.GetString()!);
                    }
                }
            }

            string? className = null;
            var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "_class_name" && property.Value.ValueKind == JsonValueKind.String)
                {
                    className = property.Value.GetString();
                }
                else if (!property.Name.StartsWith('_') && !useDefaults.Contains(property.Name))
                {
                    values[property.Name] = property.Value.Clone();
                }
            }

            return new SchedulerConfig(source, className, values);
        }
    }

    /// <summary>A copy with <paramref name="key"/> set to <paramref name="value"/> (like <c>from_config(config, key=value)</c>).</summary>
    public SchedulerConfig With(string key, object? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var values = new Dictionary<string, JsonElement>(_values, StringComparer.Ordinal)
        {
            [key] = JsonSerializer.SerializeToElement(value),
        };
        return new SchedulerConfig(Source, ClassName, values);
    }

    /// <summary>Whether the file sets <paramref name="key"/> (to anything but null).</summary>
    public bool Has(string key) => _values.TryGetValue(key, out JsonElement v) && v.ValueKind != JsonValueKind.Null;

    internal double GetDouble(string key, double fallback)
    {
        if (!_values.TryGetValue(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (v.ValueKind == JsonValueKind.Number)
        {
            return v.GetDouble();
        }

        // Python writes infinities as strings in some configs (e.g. lambda_min_clipped "-inf").
        if (v.ValueKind == JsonValueKind.String)
        {
            switch (v.GetString()!.ToLowerInvariant())
            {
                case "-inf" or "-infinity":
                    return double.NegativeInfinity;
                case "inf" or "infinity":
                    return double.PositiveInfinity;
                default:
                    if (double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed))
                    {
                        return parsed;
                    }

                    break;
            }
        }

        throw Invalid(key, "a number");
    }

    internal double? GetNullableDouble(string key) => Has(key) ? GetDouble(key, 0) : null;

    internal int GetInt(string key, int fallback)
    {
        double value = GetDouble(key, fallback);
        if (value != Math.Floor(value) || value < int.MinValue || value > int.MaxValue)
        {
            throw Invalid(key, "an integer");
        }

        return (int)value;
    }

    internal bool GetBool(string key, bool fallback)
    {
        if (!_values.TryGetValue(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Invalid(key, "true or false"),
        };
    }

    internal string GetString(string key, string fallback, params string[] allowed)
    {
        if (!_values.TryGetValue(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        string? value = v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (value is null || (allowed.Length > 0 && !allowed.Contains(value, StringComparer.Ordinal)))
        {
            throw Invalid(key, allowed.Length > 0 ? $"one of {string.Join(", ", allowed)}" : "a string");
        }

        return value;
    }

    internal float[]? GetFloatArray(string key)
    {
        if (!_values.TryGetValue(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(key, "a list of numbers");
        }

        return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number ? (float)e.GetDouble() : throw Invalid(key, "a list of numbers")).ToArray();
    }

    internal InvalidInputException Invalid(string key, string expected)
    {
        string raw = _values.TryGetValue(key, out JsonElement v) ? v.GetRawText() : "(absent)";
        return new InvalidInputException(Source, $"'{key}' must be {expected}, not {raw}");
    }

    internal InvalidInputException Unsupported(string scheduler, string what) =>
        new(Source, $"{scheduler}: {what} is not supported");
}
