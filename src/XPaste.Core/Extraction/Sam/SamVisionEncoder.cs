using TorchSharp.Modules;
using XPaste.Clip;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>transformers' <c>SamPatchEmbeddings</c>: a strided convolution, channels-last output <c>[B,G,G,C]</c>.</summary>
internal sealed class SamPatchEmbeddings : nn.Module<Tensor, Tensor>
{
    internal readonly Conv2d projection;

    public SamPatchEmbeddings(SamVisionConfig config, Device? device) : base(nameof(SamPatchEmbeddings))
    {
        projection = nn.Conv2d(config.NumChannels, config.HiddenSize, config.PatchSize, stride: config.PatchSize, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        return projection.call(pixels).permute(0, 2, 3, 1).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// transformers' <c>SamVisionLayer</c>: pre-norm attention (within zero-padded windows, with no mask, or over the
/// whole grid) and MLP, each with a residual.
/// </summary>
internal sealed class SamVisionLayer : nn.Module<Tensor, Tensor>
{
    internal readonly ClipLayerNorm layer_norm1;
    internal readonly SamVisionAttention attn;
    internal readonly ClipLayerNorm layer_norm2;
    internal readonly SamMlpBlock mlp;
    private readonly int _window;

    public SamVisionLayer(SamVisionConfig config, int window, Device? device) : base(nameof(SamVisionLayer))
    {
        _window = window;
        layer_norm1 = new ClipLayerNorm(config.HiddenSize, config.LayerNormEps, device);
        attn = new SamVisionAttention(config, window > 0 ? window : config.GridSize, device);
        layer_norm2 = new ClipLayerNorm(config.HiddenSize, config.LayerNormEps, device);
        mlp = new SamMlpBlock(config.HiddenSize, config.MlpDim, config.HiddenAct, device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        Tensor x = layer_norm1.call(hidden);
        if (_window > 0)
        {
            long batch = x.shape[0], height = x.shape[1], width = x.shape[2], channels = x.shape[3];
            long padH = (_window - height % _window) % _window, padW = (_window - width % _window) % _window;
            long ph = height + padH, pw = width + padW;
            // Zero tokens pad the normalised grid and take part in the attention as keys and values.
            Tensor padded = nn.functional.pad(x, [0, 0, 0, padW, 0, padH]);
            Tensor windows = padded.view(batch, ph / _window, _window, pw / _window, _window, channels).permute(0, 1, 3, 2, 4, 5)
                .reshape(-1, _window, _window, channels);
            Tensor attended = attn.call(windows).view(batch, ph / _window, pw / _window, _window, _window, channels)
                .permute(0, 1, 3, 2, 4, 5).reshape(batch, ph, pw, channels);
            x = attended.narrow(1, 0, height).narrow(2, 0, width);
        }
        else
        {
            x = attn.call(x);
        }

        Tensor h = hidden + x;
        return (h + mlp.call(layer_norm2.call(h))).MoveToOuterDisposeScope();
    }
}

/// <summary>transformers' <c>SamVisionNeck</c>: 1x1 conv, channels-first LN, 3x3 conv, channels-first LN (convs without bias).</summary>
internal sealed class SamVisionNeck : nn.Module<Tensor, Tensor>
{
    internal readonly Conv2d conv1;
    internal readonly SamChannelsFirstLayerNorm layer_norm1;
    internal readonly Conv2d conv2;
    internal readonly SamChannelsFirstLayerNorm layer_norm2;

    public SamVisionNeck(SamVisionConfig config, Device? device) : base(nameof(SamVisionNeck))
    {
        conv1 = nn.Conv2d(config.HiddenSize, config.OutputChannels, 1, bias: false, device: device);
        layer_norm1 = new SamChannelsFirstLayerNorm(config.OutputChannels, config.LayerNormEps, device);
        conv2 = nn.Conv2d(config.OutputChannels, config.OutputChannels, 3, padding: 1, bias: false, device: device);
        layer_norm2 = new SamChannelsFirstLayerNorm(config.OutputChannels, config.LayerNormEps, device);
        RegisterComponents();
    }

    /// <param name="hidden">Channels-last <c>[B,G,G,C]</c>.</param>
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        Tensor x = layer_norm1.call(conv1.call(hidden.permute(0, 3, 1, 2)));
        return layer_norm2.call(conv2.call(x)).MoveToOuterDisposeScope();
    }
}

/// <summary>transformers' <c>SamVisionEncoder</c>: patch embedding plus absolute positions, the ViT layers, the neck.</summary>
internal sealed class SamVisionEncoder : nn.Module<Tensor, Tensor>
{
    internal readonly SamPatchEmbeddings patch_embed;
    internal readonly Parameter? pos_embed;
    internal readonly ModuleList<SamVisionLayer> layers;
    internal readonly SamVisionNeck neck;

    public SamVisionEncoder(SamVisionConfig config, Device? device) : base(nameof(SamVisionEncoder))
    {
        patch_embed = new SamPatchEmbeddings(config, device);
        if (config.UseAbsPos)
        {
            pos_embed = new Parameter(zeros(1, config.GridSize, config.GridSize, config.HiddenSize, ScalarType.Float32, device));
        }

        layers = new ModuleList<SamVisionLayer>(Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new SamVisionLayer(config, config.GlobalAttnIndexes.Contains(i) ? 0 : config.WindowSize, device)).ToArray());
        neck = new SamVisionNeck(config, device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixels) => Forward(pixels, null);

    /// <summary>The image embeddings <c>[B,C,G,G]</c>; with <paramref name="trace"/> also the embeddings and every layer's output (channels-last).</summary>
    public Tensor Forward(Tensor pixels, IDictionary<string, Tensor>? trace)
    {
        using var scope = NewDisposeScope();
        Tensor x = patch_embed.call(pixels);
        if (pos_embed is not null)
        {
            x = x + pos_embed;
        }

        SamOps.Trace(trace, "vision_embeddings", x);
        for (int i = 0; i < layers.Count; i++)
        {
            x = layers[i].call(x);
            SamOps.Trace(trace, $"vision_layer_output_{i}", x);
        }

        return neck.call(x).MoveToOuterDisposeScope();
    }
}
