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

/// <summary>The text tower's configuration (<c>CLIPTextConfig</c>).</summary>
public sealed record ClipTextConfig
{
    /// <summary>Number of tokens. Default 49408.</summary>
    public int VocabSize { get; init; } = 49408;

    /// <summary>Transformer width. Default 512.</summary>
    public int HiddenSize { get; init; } = 512;

    /// <summary>MLP width. Default 2048.</summary>
    public int IntermediateSize { get; init; } = 2048;

    /// <summary>Transformer depth. Default 12.</summary>
    public int NumHiddenLayers { get; init; } = 12;

    /// <summary>Attention heads. Default 8.</summary>
    public int NumAttentionHeads { get; init; } = 8;

    /// <summary>Sequence length the position embedding covers. Default 77.</summary>
    public int MaxPositionEmbeddings { get; init; } = 77;

    /// <summary>MLP activation: <c>quick_gelu</c> (default, every OpenAI checkpoint), <c>gelu</c>, <c>gelu_new</c>/<c>gelu_pytorch_tanh</c> or <c>relu</c>.</summary>
    public string HiddenAct { get; init; } = "quick_gelu";

    /// <summary>Layer norm epsilon. Default 1e-5.</summary>
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>
    /// End-of-text id used for pooling when the input's largest id is not CLIP's end token 49407. Default 49407;
    /// the original OpenAI configs say 2, which transformers never uses for them (their end token is the largest id).
    /// </summary>
    public int EosTokenId { get; init; } = 49407;

    internal static ClipTextConfig From(string name, ClipConfig.Section e)
    {
        var d = new ClipTextConfig();
        return new ClipTextConfig
        {
            VocabSize = ClipConfig.GetInt(name, e, "vocab_size") ?? d.VocabSize,
            HiddenSize = ClipConfig.RequireInt(name, e, "hidden_size"),
            IntermediateSize = ClipConfig.RequireInt(name, e, "intermediate_size"),
            NumHiddenLayers = ClipConfig.RequireInt(name, e, "num_hidden_layers"),
            NumAttentionHeads = ClipConfig.RequireInt(name, e, "num_attention_heads"),
            MaxPositionEmbeddings = ClipConfig.GetInt(name, e, "max_position_embeddings") ?? d.MaxPositionEmbeddings,
            HiddenAct = ClipConfig.GetString(name, e, "hidden_act") ?? d.HiddenAct,
            LayerNormEps = ClipConfig.GetDouble(name, e, "layer_norm_eps") ?? d.LayerNormEps,
            EosTokenId = ClipConfig.GetInt(name, e, "eos_token_id") ?? d.EosTokenId,
        };
    }

    internal void Validate(string name, string section)
    {
        ClipConfig.CheckTower(name, section, HiddenSize, NumAttentionHeads, NumHiddenLayers, IntermediateSize, HiddenAct);
        if (VocabSize <= 0 || MaxPositionEmbeddings <= 0)
        {
            throw new InvalidInputException(name, $"{section}: vocab_size and max_position_embeddings must be positive");
        }
    }
}

/// <summary>The vision tower's configuration (<c>CLIPVisionConfig</c>).</summary>
public sealed record ClipVisionConfig
{
    /// <summary>Transformer width. Default 768.</summary>
    public int HiddenSize { get; init; } = 768;

    /// <summary>MLP width. Default 3072.</summary>
    public int IntermediateSize { get; init; } = 3072;

    /// <summary>Transformer depth. Default 12.</summary>
    public int NumHiddenLayers { get; init; } = 12;

    /// <summary>Attention heads. Default 12.</summary>
    public int NumAttentionHeads { get; init; } = 12;

    /// <summary>Input channels. Default 3.</summary>
    public int NumChannels { get; init; } = 3;

    /// <summary>Input resolution (square). Default 224.</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>Patch side. Default 32.</summary>
    public int PatchSize { get; init; } = 32;

    /// <summary>MLP activation (see <see cref="ClipTextConfig.HiddenAct"/>). Default <c>quick_gelu</c>.</summary>
    public string HiddenAct { get; init; } = "quick_gelu";

    /// <summary>Layer norm epsilon. Default 1e-5.</summary>
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>Patches per image: <c>(ImageSize / PatchSize)^2</c>.</summary>
    public int NumPatches => (ImageSize / PatchSize) * (ImageSize / PatchSize);

    internal static ClipVisionConfig From(string name, ClipConfig.Section e)
    {
        var d = new ClipVisionConfig();
        return new ClipVisionConfig
        {
            HiddenSize = ClipConfig.RequireInt(name, e, "hidden_size"),
            IntermediateSize = ClipConfig.RequireInt(name, e, "intermediate_size"),
            NumHiddenLayers = ClipConfig.RequireInt(name, e, "num_hidden_layers"),
            NumAttentionHeads = ClipConfig.RequireInt(name, e, "num_attention_heads"),
            NumChannels = ClipConfig.GetInt(name, e, "num_channels") ?? d.NumChannels,
            ImageSize = ClipConfig.GetInt(name, e, "image_size") ?? d.ImageSize,
            PatchSize = ClipConfig.RequireInt(name, e, "patch_size"),
            HiddenAct = ClipConfig.GetString(name, e, "hidden_act") ?? d.HiddenAct,
            LayerNormEps = ClipConfig.GetDouble(name, e, "layer_norm_eps") ?? d.LayerNormEps,
        };
    }

    internal void Validate(string name, string section)
    {
        ClipConfig.CheckTower(name, section, HiddenSize, NumAttentionHeads, NumHiddenLayers, IntermediateSize, HiddenAct);
        if (NumChannels <= 0 || PatchSize <= 0 || ImageSize < PatchSize)
        {
            throw new InvalidInputException(name, $"{section}: need num_channels > 0 and 0 < patch_size <= image_size (got {NumChannels}, {PatchSize}, {ImageSize})");
        }
    }
}
