using System.Text.Json;

namespace XPaste.Clip;

/// <summary>
/// The architecture of a CLIP model as Hugging Face's <c>config.json</c> (<c>CLIPConfig</c>) describes it, read
/// strictly: the keys that decide the weights' shapes (<c>projection_dim</c>; per tower <c>hidden_size</c>,
/// <c>intermediate_size</c>, <c>num_attention_heads</c>, <c>num_hidden_layers</c>; the vision tower's
/// <c>patch_size</c>) must be present, and every key read must have the right JSON type. Other absent values take
/// transformers' defaults (those of openai/clip-vit-base-patch32).
/// </summary>
public sealed record ClipConfig
{
    /// <summary>The text tower.</summary>
    public ClipTextConfig Text { get; init; } = new();

    /// <summary>The vision tower.</summary>
    public ClipVisionConfig Vision { get; init; } = new();

    /// <summary>Width of the shared embedding space both towers project into. Default 512.</summary>
    public int ProjectionDim { get; init; } = 512;

    /// <summary>Initial value of the (log) logit scale parameter; checkpoints overwrite it. Default 2.6592 (ln 1/0.07).</summary>
    public double LogitScaleInitValue { get; init; } = 2.6592;

    /// <summary>Reads a Hugging Face <c>config.json</c>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="InvalidInputException">The file is missing, not JSON, or describes an unsupported model.</exception>
    public static ClipConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new InvalidInputException(path, "file not found (a Hugging Face CLIP model folder has config.json)");
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses the JSON of a Hugging Face <c>config.json</c>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="name">The name used in error messages (usually the file path).</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="InvalidInputException">The JSON is malformed or describes an unsupported model.</exception>
    public static ClipConfig Parse(string json, string name = "config.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInputException(name, "the configuration is not a JSON object");
            }

            string? modelType = GetString(name, root, "model_type");
            if (modelType is not null && modelType != "clip")
            {
                throw new InvalidInputException(name, $"model_type is '{modelType}', not 'clip' (a CLIPModel config is needed)");
            }

            var config = new ClipConfig
            {
                Text = ClipTextConfig.From(name, SubConfig(name, root, "text_config")),
                Vision = ClipVisionConfig.From(name, SubConfig(name, root, "vision_config")),
                ProjectionDim = RequireInt(name, root, "projection_dim"),
                LogitScaleInitValue = GetDouble(name, root, "logit_scale_init_value") ?? 2.6592,
            };
            config.Validate(name);
            return config;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidInputException(name, $"not a valid CLIP configuration: {ex.Message}", ex);
        }
    }

    // Older configs (e.g. openai/clip-vit-large-patch14) also carry text_config_dict / vision_config_dict;
    // transformers then builds the sub-config from that dict alone, defaults filling the rest.
    private static Section SubConfig(string name, JsonElement root, string key)
    {
        if (root.TryGetProperty(key + "_dict", out JsonElement legacy) && legacy.ValueKind == JsonValueKind.Object)
        {
            return new Section(key + "_dict", legacy);
        }

        if (!root.TryGetProperty(key, out JsonElement value))
        {
            throw new InvalidInputException(name, $"{key} is missing (a CLIPModel config has text_config and vision_config)");
        }

        return value.ValueKind == JsonValueKind.Object
            ? new Section(key, value)
            : throw new InvalidInputException(name, $"{key} must be a JSON object, not {Kind(value)}");
    }

    private void Validate(string name)
    {
        Text.Validate(name, "text_config");
        Vision.Validate(name, "vision_config");
        if (ProjectionDim <= 0)
        {
            throw new InvalidInputException(name, $"projection_dim must be positive, not {ProjectionDim}");
        }
    }

    /// <summary>A sub-configuration and the key it was read from, to name both in messages.</summary>
    internal readonly record struct Section(string Key, JsonElement Element);

    internal static int RequireInt(string name, Section section, string key) =>
        GetInt(name, section, key) ?? throw new InvalidInputException(name, $"{section.Key}.{key} is missing");

    internal static int RequireInt(string name, JsonElement root, string key) =>
        GetInt(name, root, key) ?? throw new InvalidInputException(name, $"{key} is missing");

    internal static int? GetInt(string name, Section section, string key) => ReadInt(name, section.Element, $"{section.Key}.{key}", key);

    internal static int? GetInt(string name, JsonElement root, string key) => ReadInt(name, root, key, key);

    internal static double? GetDouble(string name, Section section, string key) => ReadDouble(name, section.Element, $"{section.Key}.{key}", key);

    internal static double? GetDouble(string name, JsonElement root, string key) => ReadDouble(name, root, key, key);

    internal static string? GetString(string name, Section section, string key) => ReadString(name, section.Element, $"{section.Key}.{key}", key);

    internal static string? GetString(string name, JsonElement root, string key) => ReadString(name, root, key, key);

    private static int? ReadInt(string name, JsonElement e, string path, string key)
    {
        if (!e.TryGetProperty(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int value)
            ? value
            : throw new InvalidInputException(name, $"{path} must be an integer, not {Kind(v)}");
    }

    private static double? ReadDouble(string name, JsonElement e, string path, string key)
    {
        if (!e.TryGetProperty(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double value) && double.IsFinite(value)
            ? value
            : throw new InvalidInputException(name, $"{path} must be a number, not {Kind(v)}");
    }

    private static string? ReadString(string name, JsonElement e, string path, string key)
    {
        if (!e.TryGetProperty(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : throw new InvalidInputException(name, $"{path} must be a string, not {Kind(v)}");
    }

    private static string Kind(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => $"the number {v.GetRawText()}",
        JsonValueKind.String => $"the string {v.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"{v.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => v.ValueKind.ToString(),
    };

    internal static void CheckTower(string name, string section, int hidden, int heads, int layers, int intermediate, string act)
    {
        if (hidden <= 0 || heads <= 0 || layers <= 0 || intermediate <= 0)
        {
            throw new InvalidInputException(name, $"{section}: hidden_size, num_attention_heads, num_hidden_layers and intermediate_size must be positive");
        }

        if (hidden % heads != 0)
        {
            throw new InvalidInputException(name, $"{section}: hidden_size {hidden} is not divisible by num_attention_heads {heads}");
        }

        if (!ClipActivation.IsSupported(act))
        {
            throw new InvalidInputException(name, $"{section}: hidden_act '{act}' is not supported ({string.Join(", ", ClipActivation.Supported)})");
        }
    }
}
