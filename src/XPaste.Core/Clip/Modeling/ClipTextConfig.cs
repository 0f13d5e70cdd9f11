namespace XPaste.Clip;

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
