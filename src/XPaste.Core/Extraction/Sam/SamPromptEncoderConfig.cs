namespace XPaste.Extraction;

/// <summary>The prompt encoder of a SAM checkpoint (transformers' <c>SamPromptEncoderConfig</c>).</summary>
public sealed record SamPromptEncoderConfig
{
    /// <summary>Width of the prompt embeddings (256).</summary>
    public required int HiddenSize { get; init; }

    /// <summary>The padded input side that point and box coordinates refer to (1024).</summary>
    public required int ImageSize { get; init; }

    /// <summary>Patch side of the image encoder (16).</summary>
    public required int PatchSize { get; init; }

    /// <summary>Channels of the mask-prompt convolutions' second stage (16; the first has a quarter of it).</summary>
    public required int MaskInputChannels { get; init; }

    /// <summary>Learned point kinds: negative, positive, box corner 1, box corner 2 (4).</summary>
    public required int NumPointEmbeddings { get; init; }

    /// <summary>Activation of the mask-prompt convolutions (<c>gelu</c>).</summary>
    public required string HiddenAct { get; init; }

    /// <summary>Epsilon of the mask-prompt layer norms.</summary>
    public required double LayerNormEps { get; init; }

    /// <summary>Side of the image embedding grid (<c>image_size / patch_size</c>).</summary>
    public int ImageEmbeddingSize => ImageSize / PatchSize;
}
