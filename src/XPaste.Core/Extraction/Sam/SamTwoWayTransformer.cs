using TorchSharp.Modules;
using XPaste.Clip;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// transformers' <c>SamAttention</c>: projections to <c>hidden / downsample</c>, heads over inputs <c>[B,P,N,C]</c>
/// (B*P attention batches), scores scaled by the head width, softmax in fp32.
/// </summary>
internal sealed class SamAttention : nn.Module
{
    internal readonly Linear q_proj;
    internal readonly Linear k_proj;
    internal readonly Linear v_proj;
    internal readonly Linear out_proj;
    private readonly int _heads;

    public SamAttention(SamMaskDecoderConfig config, int downsample, Device? device) : base(nameof(SamAttention))
    {
        int inner = config.HiddenSize / downsample;
        _heads = config.NumAttentionHeads;
        q_proj = nn.Linear(config.HiddenSize, inner, device: device);
        k_proj = nn.Linear(config.HiddenSize, inner, device: device);
        v_proj = nn.Linear(config.HiddenSize, inner, device: device);
        out_proj = nn.Linear(inner, config.HiddenSize, device: device);
        RegisterComponents();
    }

    public Tensor Forward(Tensor query, Tensor key, Tensor value)
    {
        using var scope = NewDisposeScope();
        long pointBatch = query.shape[1];
        Tensor q = SeparateHeads(q_proj.call(query));
        Tensor k = SeparateHeads(k_proj.call(key));
        Tensor v = SeparateHeads(v_proj.call(value));
        Tensor scores = q.matmul(k.transpose(2, 3)) / Math.Sqrt(q.shape[3]);
        Tensor output = SamOps.Softmax(scores).matmul(v);
        // Recombine: [B*P, heads, N, c] -> [B, P, N, heads*c].
        long bp = output.shape[0], tokens = output.shape[2];
        output = output.transpose(1, 2).reshape(bp / pointBatch, pointBatch, tokens, -1);
        return out_proj.call(output).MoveToOuterDisposeScope();
    }

    private Tensor SeparateHeads(Tensor x)
    {
        long b = x.shape[0], p = x.shape[1], n = x.shape[2], c = x.shape[3];
        return x.reshape(b * p, n, _heads, c / _heads).transpose(1, 2);
    }
}

/// <summary>
/// transformers' <c>SamTwoWayAttentionBlock</c>: token self-attention (in the first block its output replaces the
/// tokens, without positions), token-to-image attention, MLP, image-to-token attention; post-norm throughout.
/// </summary>
internal sealed class SamTwoWayAttentionBlock : nn.Module
{
    internal readonly SamAttention self_attn;
    internal readonly ClipLayerNorm layer_norm1;
    internal readonly SamAttention cross_attn_token_to_image;
    internal readonly ClipLayerNorm layer_norm2;
    internal readonly SamMlpBlock mlp;
    internal readonly ClipLayerNorm layer_norm3;
    internal readonly ClipLayerNorm layer_norm4;
    internal readonly SamAttention cross_attn_image_to_token;
    private readonly bool _skipFirstLayerPe;

    public SamTwoWayAttentionBlock(SamMaskDecoderConfig config, bool skipFirstLayerPe, Device? device) : base(nameof(SamTwoWayAttentionBlock))
    {
        _skipFirstLayerPe = skipFirstLayerPe;
        double eps = config.LayerNormEps;
        self_attn = new SamAttention(config, 1, device);
        layer_norm1 = new ClipLayerNorm(config.HiddenSize, eps, device);
        // The reference builds the blocks with its default downsample rate 2, whatever the config says.
        cross_attn_token_to_image = new SamAttention(config, 2, device);
        layer_norm2 = new ClipLayerNorm(config.HiddenSize, eps, device);
        mlp = new SamMlpBlock(config.HiddenSize, config.MlpDim, config.HiddenAct, device);
        layer_norm3 = new ClipLayerNorm(config.HiddenSize, eps, device);
        layer_norm4 = new ClipLayerNorm(config.HiddenSize, eps, device);
        cross_attn_image_to_token = new SamAttention(config, 2, device);
        RegisterComponents();
    }

    public (Tensor Queries, Tensor Keys) Forward(Tensor queries, Tensor keys, Tensor queryPe, Tensor keyPe)
    {
        using var scope = NewDisposeScope();
        if (_skipFirstLayerPe)
        {
            queries = self_attn.Forward(queries, queries, queries);
        }
        else
        {
            Tensor q0 = queries + queryPe;
            queries = queries + self_attn.Forward(q0, q0, queries);
        }

        queries = layer_norm1.call(queries);
        Tensor q = queries + queryPe, k = keys + keyPe;
        queries = layer_norm2.call(queries + cross_attn_token_to_image.Forward(q, k, keys));
        queries = layer_norm3.call(queries + mlp.call(queries));
        q = queries + queryPe;
        k = keys + keyPe;
        keys = layer_norm4.call(keys + cross_attn_image_to_token.Forward(k, q, queries));
        return (queries.MoveToOuterDisposeScope(), keys.MoveToOuterDisposeScope());
    }
}

/// <summary>transformers' <c>SamTwoWayTransformer</c>: the blocks, a final token-to-image attention and a layer norm (eps 1e-5, nn.LayerNorm's default).</summary>
internal sealed class SamTwoWayTransformer : nn.Module
{
    internal readonly ModuleList<SamTwoWayAttentionBlock> layers;
    internal readonly SamAttention final_attn_token_to_image;
    internal readonly ClipLayerNorm layer_norm_final_attn;

    public SamTwoWayTransformer(SamMaskDecoderConfig config, Device? device) : base(nameof(SamTwoWayTransformer))
    {
        layers = new ModuleList<SamTwoWayAttentionBlock>(Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new SamTwoWayAttentionBlock(config, i == 0, device)).ToArray());
        final_attn_token_to_image = new SamAttention(config, config.AttentionDownsampleRate, device);
        layer_norm_final_attn = new ClipLayerNorm(config.HiddenSize, 1e-5, device);
        RegisterComponents();
    }

    /// <param name="tokens"><c>[B,P,T,C]</c> output and prompt tokens.</param>
    /// <param name="image"><c>[B*P,C,G,G]</c> image embeddings (with the dense prompt added).</param>
    /// <param name="imagePe"><c>[B*P,C,G,G]</c> positional encoding of the grid.</param>
    /// <returns>The tokens <c>[B,P,T,C]</c> and the image keys <c>[B*P,1,G*G,C]</c>.</returns>
    public (Tensor Queries, Tensor Keys) Forward(Tensor tokens, Tensor image, Tensor imagePe)
    {
        using var scope = NewDisposeScope();
        Tensor keys = image.flatten(2).permute(0, 2, 1).unsqueeze(1);
        Tensor keyPe = imagePe.flatten(2).permute(0, 2, 1).unsqueeze(1);
        Tensor queries = tokens;
        foreach (SamTwoWayAttentionBlock layer in layers)
        {
            (queries, keys) = layer.Forward(queries, keys, tokens, keyPe);
        }

        Tensor q = queries + tokens, k = keys + keyPe;
        queries = layer_norm_final_attn.call(queries + final_attn_token_to_image.Forward(q, k, keys));
        return (queries.MoveToOuterDisposeScope(), keys.MoveToOuterDisposeScope());
    }
}
