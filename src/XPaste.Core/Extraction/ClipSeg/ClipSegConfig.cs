using System.Text.Json;
using XPaste.Clip;

namespace XPaste.Extraction;

/// <summary>
/// The architecture of a CLIPSeg checkpoint as Hugging Face's <c>config.json</c> (<c>CLIPSegConfig</c>) describes it:
/// a CLIP (text and vision towers, projection) and the small decoder on top of it.
/// </summary>
/// <remarks>
/// Read strictly: every key the architecture depends on must be present with the right JSON type, otherwise an
/// <see cref="InvalidInputException"/> names the file and the key. Unlike <see cref="ClipConfig"/> nothing falls back
/// to transformers' defaults (CLIPSeg's text defaults differ from the published checkpoints' values, e.g. the
/// end-of-text id), except <c>vision_config.num_channels</c> (3), which configs written by recent transformers omit.
/// Keys the model does not use (dropouts, initialisers, <c>decoder_hidden_act</c>, which the reference ignores:
/// its decoder MLP is ReLU) are not read.
/// </remarks>
public sealed record ClipSegConfig
{
    /// <summary>The CLIP the segmenter is built on (towers and projection width).</summary>
    public required ClipConfig Clip { get; init; }

    /// <summary>Vision layers whose outputs the decoder reads (0-based, transformers' <c>hidden_states[i + 1]</c>); the published models use 3, 6, 9.</summary>
    public required IReadOnlyList<int> ExtractLayers { get; init; }

    /// <summary>The decoder's width (64 for <c>rd64</c>).</summary>
    public required int ReduceDim { get; init; }

    /// <summary>Attention heads of each decoder layer.</summary>
    public required int DecoderNumAttentionHeads { get; init; }

    /// <summary>MLP width of each decoder layer.</summary>
    public required int DecoderIntermediateSize { get; init; }

    /// <summary>The decoder step where the text conditions the activations (FiLM).</summary>
    public required int ConditionalLayer { get; init; }

    /// <summary>
    /// True for the <c>-refined</c> checkpoints (3x3 conv, ReLU, two 4x4 transposed convolutions); false for a single
    /// patch-sized transposed convolution (CIDAS/clipseg-rd64, the weights X-Paste uses).
    /// </summary>
    public required bool UseComplexTransposedConvolution { get; init; }

    /// <summary>Reads a Hugging Face CLIPSeg <c>config.json</c>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="InvalidInputException">The file is missing, not JSON, lacks a key, has a value of the wrong type, or describes an unsupported model.</exception>
    public static ClipSegConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new InvalidInputException(path, "file not found (a Hugging Face CLIPSeg model folder has config.json)");
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses the JSON of a Hugging Face CLIPSeg <c>config.json</c>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="name">The name used in error messages (usually the file path).</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="InvalidInputException">The JSON is malformed, lacks a key, has a value of the wrong type, or describes an unsupported model.</exception>
    public static ClipSegConfig Parse(string json, string name = "config.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException(name, $"not valid JSON: {ex.Message}", ex);
        }

        using (doc)
        {
            var reader = new Reader(name);
            JsonElement root = doc.RootElement;
            reader.RequireObject(root, "the configuration");
            if (root.TryGetProperty("model_type", out JsonElement type) && (type.ValueKind != JsonValueKind.String || type.GetString() != "clipseg"))
            {
                throw new InvalidInputException(name, $"model_type is {type.GetRawText()}, not \"clipseg\" (a CLIPSegForImageSegmentation config is needed)");
            }

            JsonElement text = reader.Object(root, "text_config");
            JsonElement vision = reader.Object(root, "vision_config");
            var config = new ClipSegConfig
            {
                Clip = new ClipConfig
                {
                    Text = new ClipTextConfig
                    {
                        VocabSize = reader.Int(text, "text_config.vocab_size"),
                        HiddenSize = reader.Int(text, "text_config.hidden_size"),
                        IntermediateSize = reader.Int(text, "text_config.intermediate_size"),
                        NumHiddenLayers = reader.Int(text, "text_config.num_hidden_layers"),
                        NumAttentionHeads = reader.Int(text, "text_config.num_attention_heads"),
                        MaxPositionEmbeddings = reader.Int(text, "text_config.max_position_embeddings"),
                        HiddenAct = reader.String(text, "text_config.hidden_act"),
                        LayerNormEps = reader.Double(text, "text_config.layer_norm_eps"),
                        EosTokenId = reader.Int(text, "text_config.eos_token_id"),
                    },
                    Vision = new ClipVisionConfig
                    {
                        HiddenSize = reader.Int(vision, "vision_config.hidden_size"),
                        IntermediateSize = reader.Int(vision, "vision_config.intermediate_size"),
                        NumHiddenLayers = reader.Int(vision, "vision_config.num_hidden_layers"),
                        NumAttentionHeads = reader.Int(vision, "vision_config.num_attention_heads"),
                        NumChannels = vision.TryGetProperty("num_channels", out _) ? reader.Int(vision, "vision_config.num_channels") : 3,
                        ImageSize = reader.Int(vision, "vision_config.image_size"),
                        PatchSize = reader.Int(vision, "vision_config.patch_size"),
                        HiddenAct = reader.String(vision, "vision_config.hidden_act"),
                        LayerNormEps = reader.Double(vision, "vision_config.layer_norm_eps"),
                    },
                    ProjectionDim = reader.Int(root, "projection_dim"),
                },
                ExtractLayers = reader.IntArray(root, "extract_layers"),
                ReduceDim = reader.Int(root, "reduce_dim"),
                DecoderNumAttentionHeads = reader.Int(root, "decoder_num_attention_heads"),
                DecoderIntermediateSize = reader.Int(root, "decoder_intermediate_size"),
                ConditionalLayer = reader.Int(root, "conditional_layer"),
                UseComplexTransposedConvolution = reader.Bool(root, "use_complex_transposed_convolution"),
            };
            config.Validate(name);
            return config;
        }
    }

    private void Validate(string name)
    {
        // The towers' own checks (positive sizes, divisible heads, known activations).
        Clip.Text.Validate(name, "text_config");
        Clip.Vision.Validate(name, "vision_config");
        if (Clip.ProjectionDim <= 0)
        {
            throw new InvalidInputException(name, $"projection_dim must be positive, not {Clip.ProjectionDim}");
        }

        if (ExtractLayers.Count == 0 || ExtractLayers.Any(l => l < 0 || l >= Clip.Vision.NumHiddenLayers))
        {
            throw new InvalidInputException(name, $"extract_layers [{string.Join(", ", ExtractLayers)}] must be non-empty and within the {Clip.Vision.NumHiddenLayers} vision layers");
        }

        if (ReduceDim <= 0 || DecoderNumAttentionHeads <= 0 || ReduceDim % DecoderNumAttentionHeads != 0 || DecoderIntermediateSize <= 0)
        {
            throw new InvalidInputException(name, $"reduce_dim {ReduceDim} must be positive and divisible by decoder_num_attention_heads {DecoderNumAttentionHeads}; decoder_intermediate_size must be positive");
        }

        if (ConditionalLayer < 0 || ConditionalLayer >= ExtractLayers.Count)
        {
            throw new InvalidInputException(name, $"conditional_layer {ConditionalLayer} must name one of the {ExtractLayers.Count} decoder layers");
        }

        if (UseComplexTransposedConvolution && Clip.Vision.PatchSize % 4 != 0)
        {
            throw new InvalidInputException(name, $"use_complex_transposed_convolution needs a patch_size divisible by 4, not {Clip.Vision.PatchSize}");
        }
    }

    /// <summary>Typed, required reads that name the file and the key on failure.</summary>
    private sealed class Reader(string name)
    {
        public void RequireObject(JsonElement e, string what)
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInputException(name, $"{what} is not a JSON object");
            }
        }

        public JsonElement Object(JsonElement e, string key)
        {
            JsonElement v = Get(e, key);
            return v.ValueKind == JsonValueKind.Object ? v : throw WrongType(key, "an object", v);
        }

        public int Int(JsonElement e, string key)
        {
            JsonElement v = Get(e, key);
            return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw WrongType(key, "an integer", v);
        }

        public double Double(JsonElement e, string key)
        {
            JsonElement v = Get(e, key);
            return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw WrongType(key, "a number", v);
        }

        public string String(JsonElement e, string key)
        {
            JsonElement v = Get(e, key);
            return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw WrongType(key, "a string", v);
        }

        public bool Bool(JsonElement e, string key)
        {
            JsonElement v = Get(e, key);
            return v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw WrongType(key, "true or false", v);
        }

        public int[] IntArray(JsonElement e, string key)
        {
            JsonElement v = Get(e, key);
            if (v.ValueKind != JsonValueKind.Array)
            {
                throw WrongType(key, "an array of integers", v);
            }

            return v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out int i) ? i : throw WrongType(key, "an array of integers", v)).ToArray();
        }

        private JsonElement Get(JsonElement e, string key)
        {
            string leaf = key[(key.LastIndexOf('.') + 1)..];
            return e.TryGetProperty(leaf, out JsonElement v) ? v : throw new InvalidInputException(name, $"missing key \"{key}\"");
        }

        private InvalidInputException WrongType(string key, string expected, JsonElement actual)
        {
            string shown = actual.GetRawText();
            return new InvalidInputException(name, $"\"{key}\" must be {expected}, not {(shown.Length > 40 ? shown[..40] + "..." : shown)}");
        }
    }
}
