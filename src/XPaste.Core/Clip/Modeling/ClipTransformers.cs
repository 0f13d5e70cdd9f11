using static TorchSharp.torch;

namespace XPaste.Clip;

/// <summary>The text tower without projection (transformers' <c>CLIPTextTransformer</c>); returns the pooled state.</summary>
internal sealed class ClipTextTransformer : nn.Module<Tensor, Tensor>
{
    /// <summary>CLIP's end-of-text id, the largest in its vocabulary.</summary>
    internal const long ClipEndToken = 49407;

    internal readonly ClipTextEmbeddings embeddings;
    internal readonly ClipEncoder encoder;
    internal readonly ClipLayerNorm final_layer_norm;
    private readonly long _eosTokenId;
    private readonly long _maxLength;

    public ClipTextTransformer(ClipTextConfig config, Device? device) : base(nameof(ClipTextTransformer))
    {
        _eosTokenId = config.EosTokenId;
        _maxLength = config.MaxPositionEmbeddings;
        embeddings = new ClipTextEmbeddings(config, device);
        encoder = new ClipEncoder(config.HiddenSize, config.NumAttentionHeads, config.IntermediateSize, config.NumHiddenLayers,
            config.HiddenAct, config.LayerNormEps, device);
        final_layer_norm = new ClipLayerNorm(config.HiddenSize, config.LayerNormEps, device);
        RegisterComponents();
    }

    /// <param name="inputIds"><c>int64 [B,T]</c> token ids.</param>
    /// <returns>The final-layer-normed state at each row's end token, <c>[B,C]</c>.</returns>
    public override Tensor forward(Tensor inputIds) => Forward(inputIds, null);

    /// <summary>The pooled state, with an optional padding mask (<c>[B,T]</c>, 0 on padding) beside the causal one.</summary>
    internal Tensor Forward(Tensor inputIds, Tensor? attentionMask)
    {
        using var scope = NewDisposeScope();
        long batch = inputIds.shape[0], length = inputIds.shape[1];
        if (length > _maxLength)
        {
            throw new ArgumentException($"sequence length {length} exceeds max_position_embeddings {_maxLength}", nameof(inputIds));
        }

        Tensor hidden = embeddings.call(inputIds);
        // Causal: position i attends to positions <= i.
        Tensor blocked = ones(length, length, ScalarType.Bool, hidden.device).triu(1);
        if (attentionMask is not null)
        {
            // Keys on padding are hidden from every query (transformers' expanded attention mask).
            blocked = blocked.logical_or(attentionMask.to(hidden.device).eq(0).view(batch, 1, 1, length));
        }

        hidden = final_layer_norm.call(encoder.call(hidden, blocked));
        Tensor index = PoolingIndex(inputIds, _eosTokenId).to(hidden.device);
        Tensor pooled = hidden.gather(1, index.view(batch, 1, 1).expand(batch, 1, hidden.shape[2])).squeeze(1);
        return pooled.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Where each row is pooled, by transformers' rule: when every row's largest id is CLIP's end token (49407),
    /// its first occurrence (argmax of the ids, what OpenAI's CLIP does and what configs with the historical
    /// <c>eos_token_id</c> 2 rely on); otherwise the first occurrence of the configured <c>eos_token_id</c>
    /// (position 0 in a row without one).
    /// </summary>
    internal static Tensor PoolingIndex(Tensor inputIds, long eosTokenId)
    {
        using var scope = NewDisposeScope();
        Tensor ids = inputIds.to(ScalarType.Int32);
        bool legacy = ids.amax(new long[] { -1 }).eq(ClipEndToken).all().item<bool>();
        Tensor index = legacy ? ids.argmax(-1) : ids.eq(eosTokenId).to(ScalarType.Int32).argmax(-1);
        return index.MoveToOuterDisposeScope();
    }
}

/// <summary>The vision tower without projection (transformers' <c>CLIPVisionTransformer</c>); returns the pooled class token.</summary>
internal sealed class ClipVisionTransformer : nn.Module<Tensor, Tensor>
{
    internal readonly ClipVisionEmbeddings embeddings;
    internal readonly ClipLayerNorm pre_layrnorm;
    internal readonly ClipEncoder encoder;
    internal readonly ClipLayerNorm post_layernorm;
    private readonly long _imageSize;

    public ClipVisionTransformer(ClipVisionConfig config, Device? device) : base(nameof(ClipVisionTransformer))
    {
        _imageSize = config.ImageSize;
        embeddings = new ClipVisionEmbeddings(config, device);
        pre_layrnorm = new ClipLayerNorm(config.HiddenSize, config.LayerNormEps, device);
        encoder = new ClipEncoder(config.HiddenSize, config.NumAttentionHeads, config.IntermediateSize, config.NumHiddenLayers,
            config.HiddenAct, config.LayerNormEps, device);
        post_layernorm = new ClipLayerNorm(config.HiddenSize, config.LayerNormEps, device);
        RegisterComponents();
    }

    /// <param name="pixels"><c>[B,C,S,S]</c> normalised pixels at the configured size.</param>
    /// <returns>The post-layer-normed class token, <c>[B,C]</c>.</returns>
    public override Tensor forward(Tensor pixels)
    {
        if (pixels.dim() != 4 || pixels.shape[2] != _imageSize || pixels.shape[3] != _imageSize)
        {
            throw new ArgumentException($"expected pixel values [B,C,{_imageSize},{_imageSize}], got [{string.Join(",", pixels.shape)}]", nameof(pixels));
        }

        using var scope = NewDisposeScope();
        Tensor hidden = encoder.call(pre_layrnorm.call(embeddings.call(pixels)), null);
        Tensor pooled = post_layernorm.call(hidden.select(1, 0));
        return pooled.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Every hidden state (transformers' <c>output_hidden_states=True</c>) for square inputs of any size that is a
    /// multiple of the patch size, the position table interpolated to the grid (<c>interpolate_pos_encoding=True</c>).
    /// </summary>
    /// <param name="pixels"><c>[B,C,S,S]</c> normalised pixels, S a multiple of the patch size.</param>
    /// <param name="layerCount">How many blocks to run (all when negative); the pooled class token needs them all and is null otherwise.</param>
    /// <returns>The embeddings after <c>pre_layrnorm</c> (<c>hidden_states[0]</c>), each block's output and the pooled class token; the caller owns them.</returns>
    internal (Tensor Embeddings, Tensor[] Layers, Tensor? Pooled) ForwardHiddenStates(Tensor pixels, int layerCount = -1)
    {
        using var scope = NewDisposeScope();
        Tensor embedded = pre_layrnorm.call(embeddings.Embed(pixels, interpolate: true));
        Tensor[] layers = encoder.ForwardAll(embedded, null, layerCount);
        Tensor? pooled = layers.Length == encoder.layers.Count ? post_layernorm.call(layers[^1].select(1, 0)) : null;
        foreach (Tensor layer in layers)
        {
            layer.MoveToOuterDisposeScope();
        }

        return (embedded.MoveToOuterDisposeScope(), layers, pooled?.MoveToOuterDisposeScope());
    }
}
