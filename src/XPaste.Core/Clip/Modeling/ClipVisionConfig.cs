namespace XPaste.Clip;

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
