namespace XPaste.Extraction;

/// <summary>The image encoder of a SAM checkpoint (transformers' <c>SamVisionConfig</c>, the <c>vision_config</c> of <c>config.json</c>).</summary>
public sealed record SamVisionConfig
{
    /// <summary>Width of the ViT (768 for vit-base).</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Channels of the neck's output, the image embedding (256).</summary>
    public required int OutputChannels { get; init; }

    /// <summary>Number of ViT layers.</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary>Attention heads per layer.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary>Input channels (3).</summary>
    public required int NumChannels { get; init; }

    /// <summary>Input side in pixels (1024).</summary>
    public required int ImageSize { get; init; }

    /// <summary>Patch side in pixels (16).</summary>
    public required int PatchSize { get; init; }

    /// <summary>The MLP activation (<c>gelu</c>).</summary>
    public required string HiddenAct { get; init; }

    /// <summary>Epsilon of every layer norm in the encoder and neck.</summary>
    public required double LayerNormEps { get; init; }

    /// <summary>Whether the fused qkv projection has a bias.</summary>
    public required bool QkvBias { get; init; }

    /// <summary>Whether an absolute position table is added to the patch grid.</summary>
    public required bool UseAbsPos { get; init; }

    /// <summary>Whether the attention adds decomposed relative positions.</summary>
    public required bool UseRelPos { get; init; }

    /// <summary>Side of the attention windows of the windowed layers (14); 0 makes every layer global.</summary>
    public required int WindowSize { get; init; }

    /// <summary>The layers that attend over the whole grid (base: 2, 5, 8, 11).</summary>
    public required IReadOnlyList<int> GlobalAttnIndexes { get; init; }

    /// <summary>Columns of the random Fourier matrix of the shared positional embedding (half the prompt width).</summary>
    public required int NumPosFeats { get; init; }

    /// <summary>Width of each layer's MLP.</summary>
    public required int MlpDim { get; init; }

    /// <summary>Side of the patch grid.</summary>
    public int GridSize => ImageSize / PatchSize;
}
