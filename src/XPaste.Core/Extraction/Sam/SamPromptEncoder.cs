using TorchSharp.Modules;
using XPaste.Clip;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// transformers' <c>SamPositionalEmbedding</c> (the model's <c>shared_image_embedding</c>): random Fourier features
/// <c>[sin, cos](2 pi (2c - 1) @ G)</c> of coordinates c in [0,1] given as (x, y). Computed in fp32.
/// </summary>
internal sealed class SamPositionalEmbedding : nn.Module<Tensor, Tensor>
{
    internal readonly Tensor positional_embedding;

    public SamPositionalEmbedding(SamVisionConfig config, Device? device) : base(nameof(SamPositionalEmbedding))
    {
        positional_embedding = zeros(2, config.NumPosFeats, ScalarType.Float32, device);
        RegisterComponents();
    }

    /// <param name="coords"><c>[..., 2]</c> coordinates already divided by the frame size.</param>
    public override Tensor forward(Tensor coords)
    {
        using var scope = NewDisposeScope();
        Tensor c = (2 * coords.to(ScalarType.Float32) - 1).matmul(positional_embedding.to(ScalarType.Float32)) * (2 * Math.PI);
        return cat([c.sin(), c.cos()], -1).MoveToOuterDisposeScope();
    }
}

/// <summary>transformers' <c>SamMaskEmbedding</c>: a mask prompt at 4x the grid through two strided convs (LN, act) and a 1x1 conv.</summary>
internal sealed class SamMaskEmbedding : nn.Module<Tensor, Tensor>
{
    internal readonly Conv2d conv1;
    internal readonly Conv2d conv2;
    internal readonly Conv2d conv3;
    internal readonly SamChannelsFirstLayerNorm layer_norm1;
    internal readonly SamChannelsFirstLayerNorm layer_norm2;
    private readonly Func<Tensor, Tensor> _act;

    public SamMaskEmbedding(SamPromptEncoderConfig config, Device? device) : base(nameof(SamMaskEmbedding))
    {
        int quarter = config.MaskInputChannels / 4;
        conv1 = nn.Conv2d(1, quarter, 2, stride: 2, device: device);
        conv2 = nn.Conv2d(quarter, config.MaskInputChannels, 2, stride: 2, device: device);
        conv3 = nn.Conv2d(config.MaskInputChannels, config.HiddenSize, 1, device: device);
        layer_norm1 = new SamChannelsFirstLayerNorm(quarter, config.LayerNormEps, device);
        layer_norm2 = new SamChannelsFirstLayerNorm(config.MaskInputChannels, config.LayerNormEps, device);
        _act = ClipActivation.Get(config.HiddenAct);
        RegisterComponents();
    }

    public override Tensor forward(Tensor masks)
    {
        using var scope = NewDisposeScope();
        Tensor x = _act(layer_norm1.call(conv1.call(masks)));
        x = _act(layer_norm2.call(conv2.call(x)));
        return conv3.call(x).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// transformers' <c>SamPromptEncoder</c>: points, boxes and masks to sparse tokens <c>[B,P,T,C]</c> and a dense map
/// <c>[B,C,G,G]</c>. Point labels: 1 and 0 add <c>point_embed[1]</c>/<c>[0]</c>, -1 replaces the encoding with
/// <c>not_a_point_embed</c>, -10 (padding) gives zeros but stays a token; without boxes a (0,0) point labelled -1 is
/// appended. Box corners add <c>point_embed[2]</c> and <c>[3]</c> and follow the points.
/// </summary>
internal sealed class SamPromptEncoder : nn.Module
{
    internal readonly SamPositionalEmbedding shared_embedding;
    internal readonly SamMaskEmbedding mask_embed;
    internal readonly Embedding no_mask_embed;
    internal readonly ModuleList<Embedding> point_embed;
    internal readonly Embedding not_a_point_embed;
    private readonly SamPromptEncoderConfig _config;

    public SamPromptEncoder(SamPromptEncoderConfig config, SamPositionalEmbedding shared, Device? device) : base(nameof(SamPromptEncoder))
    {
        _config = config;
        shared_embedding = shared;
        mask_embed = new SamMaskEmbedding(config, device);
        no_mask_embed = nn.Embedding(1, config.HiddenSize, device: device);
        point_embed = new ModuleList<Embedding>(Enumerable.Range(0, config.NumPointEmbeddings).Select(_ => nn.Embedding(1, config.HiddenSize, device: device)).ToArray());
        not_a_point_embed = nn.Embedding(1, config.HiddenSize, device: device);
        RegisterComponents();
    }

    /// <summary>The sparse and dense prompt embeddings, in <paramref name="dtype"/>.</summary>
    public (Tensor Sparse, Tensor Dense) Forward(Tensor? points, Tensor? labels, Tensor? boxes, Tensor? masks, long batch, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        Tensor? sparse = null;
        if (points is not null)
        {
            sparse = EmbedPoints(points, labels!, pad: boxes is null);
        }

        if (boxes is not null)
        {
            Tensor corners = EmbedBoxes(boxes);
            sparse = sparse is null ? corners : cat([sparse, corners], 2);
        }

        sparse ??= zeros(batch, 1, 1, _config.HiddenSize, ScalarType.Float32, no_mask_embed.weight!.device);
        long grid = _config.ImageEmbeddingSize;
        Tensor dense = masks is not null
            ? mask_embed.call(masks.to(dtype))
            : no_mask_embed.weight!.reshape(1, -1, 1, 1).expand(batch, -1, grid, grid);
        return (sparse.to(dtype).MoveToOuterDisposeScope(), dense.to(dtype).contiguous().MoveToOuterDisposeScope());
    }

    private Tensor EmbedPoints(Tensor points, Tensor labels, bool pad)
    {
        Tensor p = points.to(ScalarType.Float32) + 0.5;
        Tensor l = labels.to(ScalarType.Int64);
        if (pad)
        {
            long b = p.shape[0], n = p.shape[1];
            p = cat([p, zeros(b, n, 1, 2, ScalarType.Float32, p.device)], 2);
            l = cat([l, full(b, n, 1, -1L, ScalarType.Int64, l.device)], 2);
        }

        Tensor e = shared_embedding.call(p / _config.ImageSize);
        Tensor lab = l.unsqueeze(-1);
        Weight(not_a_point_embed, out Tensor notAPoint);
        e = where(lab == -1, notAPoint, e);
        e = where(lab != -10, e, zeros_like(e));
        Weight(point_embed[0], out Tensor negative);
        Weight(point_embed[1], out Tensor positive);
        e = where(lab == 0, e + negative, e);
        return where(lab == 1, e + positive, e);
    }

    private Tensor EmbedBoxes(Tensor boxes)
    {
        Tensor b = boxes.to(ScalarType.Float32) + 0.5;
        Tensor corners = shared_embedding.call(b.reshape(b.shape[0], b.shape[1], 2, 2) / _config.ImageSize);
        Weight(point_embed[2], out Tensor first);
        Weight(point_embed[3], out Tensor second);
        return corners + cat([first, second], 0);
    }

    private static void Weight(Embedding embedding, out Tensor row) => row = embedding.weight!.to(ScalarType.Float32).reshape(1, -1);
}
