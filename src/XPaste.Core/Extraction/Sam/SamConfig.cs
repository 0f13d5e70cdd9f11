using System.Text.Json;
using XPaste.Clip;
using XPaste.Generation;

namespace XPaste.Extraction;

/// <summary>
/// The architecture of a Segment Anything checkpoint as Hugging Face's <c>config.json</c> (<c>SamConfig</c>) describes
/// it: <c>vision_config</c>, <c>prompt_encoder_config</c> and <c>mask_decoder_config</c>.
/// </summary>
/// <remarks>
/// Read strictly: a value of the wrong JSON type, an unsupported activation or sizes that do not fit together are
/// errors naming the file and the key. An absent key takes transformers' default, as <c>SamConfig</c> itself does
/// (the published configs list every key). <c>image_embedding_size</c>, when present, must equal
/// <c>image_size / patch_size</c>, which transformers recomputes.
/// </remarks>
public sealed record SamConfig
{
    /// <summary>The image encoder.</summary>
    public required SamVisionConfig Vision { get; init; }

    /// <summary>The prompt encoder.</summary>
    public required SamPromptEncoderConfig PromptEncoder { get; init; }

    /// <summary>The mask decoder.</summary>
    public required SamMaskDecoderConfig MaskDecoder { get; init; }

    /// <summary>Reads a Hugging Face SAM <c>config.json</c>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="InvalidInputException">The file is missing, not JSON, has a value of the wrong type, or describes an unsupported model.</exception>
    public static SamConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new InvalidInputException(path, "file not found (a Hugging Face SAM model folder has config.json)");
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses the JSON of a Hugging Face SAM <c>config.json</c>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="name">The name used in error messages (usually the file path).</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="InvalidInputException">The JSON is malformed, has a value of the wrong type, or describes an unsupported model.</exception>
    public static SamConfig Parse(string json, string name = "config.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        ConfigJson root = ConfigJson.Parse(json, name);
        if (root.Has("model_type") && root.String("model_type") != "sam")
        {
            throw new InvalidInputException(name, $"model_type is \"{root.String("model_type")}\", not \"sam\" (a SamModel config is needed)");
        }

        ConfigJson vision = Section(json, name, "vision_config");
        ConfigJson prompt = Section(json, name, "prompt_encoder_config");
        ConfigJson decoder = Section(json, name, "mask_decoder_config");
        int hidden = vision.Int("hidden_size", 768);
        var config = new SamConfig
        {
            Vision = new SamVisionConfig
            {
                HiddenSize = hidden,
                OutputChannels = vision.Int("output_channels", 256),
                NumHiddenLayers = vision.Int("num_hidden_layers", 12),
                NumAttentionHeads = vision.Int("num_attention_heads", 12),
                NumChannels = vision.Int("num_channels", 3),
                ImageSize = vision.Int("image_size", 1024),
                PatchSize = vision.Int("patch_size", 16),
                HiddenAct = vision.String("hidden_act", "gelu"),
                LayerNormEps = vision.Double("layer_norm_eps", 1e-6),
                QkvBias = vision.Bool("qkv_bias", true),
                UseAbsPos = vision.Bool("use_abs_pos", true),
                UseRelPos = vision.Bool("use_rel_pos", true),
                WindowSize = vision.Int("window_size", 14),
                GlobalAttnIndexes = vision.IntList("global_attn_indexes", [2, 5, 8, 11]),
                NumPosFeats = vision.Int("num_pos_feats", 128),
                // transformers: mlp_dim = int(hidden_size * mlp_ratio) when absent.
                MlpDim = vision.OptionalInt("mlp_dim") ?? (int)(hidden * vision.Double("mlp_ratio", 4.0)),
            },
            PromptEncoder = new SamPromptEncoderConfig
            {
                HiddenSize = prompt.Int("hidden_size", 256),
                ImageSize = prompt.Int("image_size", 1024),
                PatchSize = prompt.Int("patch_size", 16),
                MaskInputChannels = prompt.Int("mask_input_channels", 16),
                NumPointEmbeddings = prompt.Int("num_point_embeddings", 4),
                HiddenAct = prompt.String("hidden_act", "gelu"),
                LayerNormEps = prompt.Double("layer_norm_eps", 1e-6),
            },
            MaskDecoder = new SamMaskDecoderConfig
            {
                HiddenSize = decoder.Int("hidden_size", 256),
                HiddenAct = decoder.String("hidden_act", "relu"),
                MlpDim = decoder.Int("mlp_dim", 2048),
                NumHiddenLayers = decoder.Int("num_hidden_layers", 2),
                NumAttentionHeads = decoder.Int("num_attention_heads", 8),
                AttentionDownsampleRate = decoder.Int("attention_downsample_rate", 2),
                NumMultimaskOutputs = decoder.Int("num_multimask_outputs", 3),
                IouHeadDepth = decoder.Int("iou_head_depth", 3),
                IouHeadHiddenDim = decoder.Int("iou_head_hidden_dim", 256),
                LayerNormEps = decoder.Double("layer_norm_eps", 1e-6),
            },
        };
        if (prompt.OptionalInt("image_embedding_size") is int embedding && embedding != config.PromptEncoder.ImageEmbeddingSize)
        {
            throw new InvalidInputException(name, $"prompt_encoder_config.image_embedding_size {embedding} is not image_size / patch_size = {config.PromptEncoder.ImageEmbeddingSize}");
        }

        config.Validate(name);
        return config;
    }

    private static ConfigJson Section(string json, string name, string key)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty(key, out JsonElement section) || section.ValueKind == JsonValueKind.Null)
        {
            // transformers builds the sub-model from its defaults.
            return ConfigJson.Parse("{}", $"{name} ({key})");
        }

        return section.ValueKind == JsonValueKind.Object
            ? ConfigJson.Parse(section.GetRawText(), $"{name} ({key})")
            : throw new InvalidInputException(name, $"'{key}' must be an object, not {section.GetRawText()}");
    }

    private void Validate(string name)
    {
        SamVisionConfig v = Vision;
        SamPromptEncoderConfig p = PromptEncoder;
        SamMaskDecoderConfig d = MaskDecoder;
        void Require(bool ok, string problem)
        {
            if (!ok)
            {
                throw new InvalidInputException(name, problem);
            }
        }

        Require(v.HiddenSize > 0 && v.NumAttentionHeads > 0 && v.HiddenSize % v.NumAttentionHeads == 0,
            $"vision_config.hidden_size {v.HiddenSize} must be positive and divisible by num_attention_heads {v.NumAttentionHeads}");
        Require(v.PatchSize > 0 && v.ImageSize >= v.PatchSize && v.ImageSize % v.PatchSize == 0,
            $"vision_config.image_size {v.ImageSize} must be a positive multiple of patch_size {v.PatchSize}");
        Require(v.NumHiddenLayers > 0 && v.OutputChannels > 0 && v.MlpDim > 0 && v.NumChannels > 0 && v.WindowSize >= 0 && v.NumPosFeats > 0,
            "vision_config sizes must be positive (window_size may be 0)");
        Require(v.GlobalAttnIndexes.All(i => i >= 0 && i < v.NumHiddenLayers),
            $"vision_config.global_attn_indexes [{string.Join(", ", v.GlobalAttnIndexes)}] must name layers below num_hidden_layers {v.NumHiddenLayers}");
        Require(ClipActivation.IsSupported(v.HiddenAct), $"vision_config.hidden_act \"{v.HiddenAct}\" is not supported ({string.Join(", ", ClipActivation.Supported)})");
        Require(ClipActivation.IsSupported(p.HiddenAct), $"prompt_encoder_config.hidden_act \"{p.HiddenAct}\" is not supported");
        Require(ClipActivation.IsSupported(d.HiddenAct), $"mask_decoder_config.hidden_act \"{d.HiddenAct}\" is not supported");
        Require(p.HiddenSize == v.OutputChannels && d.HiddenSize == v.OutputChannels,
            $"prompt_encoder_config.hidden_size {p.HiddenSize} and mask_decoder_config.hidden_size {d.HiddenSize} must equal vision_config.output_channels {v.OutputChannels}");
        Require(2 * v.NumPosFeats == p.HiddenSize, $"vision_config.num_pos_feats {v.NumPosFeats} must be half of prompt_encoder_config.hidden_size {p.HiddenSize}");
        Require(p.ImageSize == v.ImageSize && p.PatchSize == v.PatchSize,
            $"prompt_encoder_config image_size/patch_size {p.ImageSize}/{p.PatchSize} must equal vision_config's {v.ImageSize}/{v.PatchSize}");
        Require(p.NumPointEmbeddings == 4, $"prompt_encoder_config.num_point_embeddings must be 4 (negative, positive, two box corners), not {p.NumPointEmbeddings}");
        Require(p.MaskInputChannels >= 4 && p.MaskInputChannels % 4 == 0, $"prompt_encoder_config.mask_input_channels {p.MaskInputChannels} must be a positive multiple of 4");
        Require(d.NumAttentionHeads > 0 && d.HiddenSize % (2 * d.NumAttentionHeads) == 0 && d.HiddenSize % 8 == 0,
            $"mask_decoder_config.hidden_size {d.HiddenSize} must be divisible by 8 and by 2 x num_attention_heads {d.NumAttentionHeads}");
        Require(d.AttentionDownsampleRate > 0 && d.HiddenSize % d.AttentionDownsampleRate == 0 && (d.HiddenSize / d.AttentionDownsampleRate) % d.NumAttentionHeads == 0,
            $"mask_decoder_config.attention_downsample_rate {d.AttentionDownsampleRate} must divide hidden_size into a multiple of the heads");
        Require(d.NumHiddenLayers > 0 && d.MlpDim > 0 && d.NumMultimaskOutputs > 0 && d.IouHeadDepth >= 2 && d.IouHeadHiddenDim > 0,
            "mask_decoder_config sizes must be positive and iou_head_depth at least 2");
    }
}
