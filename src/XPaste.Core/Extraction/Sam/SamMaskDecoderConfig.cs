namespace XPaste.Extraction;

/// <summary>The mask decoder of a SAM checkpoint (transformers' <c>SamMaskDecoderConfig</c>).</summary>
public sealed record SamMaskDecoderConfig
{
    /// <summary>Width of the tokens and the image embedding (256).</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Activation of the two-way transformer's MLPs (<c>relu</c>).</summary>
    public required string HiddenAct { get; init; }

    /// <summary>Width of the two-way transformer's MLPs (2048).</summary>
    public required int MlpDim { get; init; }

    /// <summary>Two-way attention blocks (2).</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary>Attention heads (8).</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary>Width reduction of the final token-to-image attention (2; the blocks' cross attentions always use 2).</summary>
    public required int AttentionDownsampleRate { get; init; }

    /// <summary>Masks given when multimask output is asked for (3); one more token gives the single mask.</summary>
    public required int NumMultimaskOutputs { get; init; }

    /// <summary>Linear layers of the IoU head (3).</summary>
    public required int IouHeadDepth { get; init; }

    /// <summary>Width of the IoU head (256).</summary>
    public required int IouHeadHiddenDim { get; init; }

    /// <summary>Epsilon of the transformer's layer norms (the final one uses 1e-5 as the reference does).</summary>
    public required double LayerNormEps { get; init; }
}
