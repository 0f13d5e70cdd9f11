using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// transformers' <c>SamMaskDecoder</c>: tokens <c>[iou, mask 0..3, prompts]</c> through the two-way transformer; the
/// image keys upscaled 4x by two transposed convolutions; each mask token's hypernetwork output dotted with the
/// upscaled map gives a mask; the IoU token's head scores them. Multimask output keeps masks 1..3, otherwise mask 0.
/// </summary>
internal sealed class SamMaskDecoder : nn.Module
{
    internal readonly Embedding iou_token;
    internal readonly Embedding mask_tokens;
    internal readonly SamTwoWayTransformer transformer;
    internal readonly ConvTranspose2d upscale_conv1;
    internal readonly ConvTranspose2d upscale_conv2;
    internal readonly SamChannelsFirstLayerNorm upscale_layer_norm;
    internal readonly ModuleList<SamFeedForward> output_hypernetworks_mlps;
    internal readonly SamFeedForward iou_prediction_head;
    private readonly int _maskTokens;

    public SamMaskDecoder(SamMaskDecoderConfig config, Device? device) : base(nameof(SamMaskDecoder))
    {
        int hidden = config.HiddenSize;
        _maskTokens = config.NumMultimaskOutputs + 1;
        iou_token = nn.Embedding(1, hidden, device: device);
        mask_tokens = nn.Embedding(_maskTokens, hidden, device: device);
        transformer = new SamTwoWayTransformer(config, device);
        upscale_conv1 = nn.ConvTranspose2d(hidden, hidden / 4, 2, stride: 2, device: device);
        upscale_conv2 = nn.ConvTranspose2d(hidden / 4, hidden / 8, 2, stride: 2, device: device);
        // SamLayerNorm's default eps, not the config's.
        upscale_layer_norm = new SamChannelsFirstLayerNorm(hidden / 4, 1e-6, device);
        output_hypernetworks_mlps = new ModuleList<SamFeedForward>(Enumerable.Range(0, _maskTokens)
            .Select(_ => new SamFeedForward(hidden, hidden, hidden / 8, 3, device)).ToArray());
        iou_prediction_head = new SamFeedForward(hidden, config.IouHeadHiddenDim, _maskTokens, config.IouHeadDepth, device);
        RegisterComponents();
    }

    /// <param name="image"><c>[B,C,G,G]</c> image embeddings.</param>
    /// <param name="imagePe"><c>[B,C,G,G]</c> the grid's positional encoding.</param>
    /// <param name="sparse"><c>[B,P,T,C]</c> prompt tokens.</param>
    /// <param name="dense"><c>[B,C,G,G]</c> dense prompt.</param>
    /// <param name="multimask">Keep masks 1..3 (true) or mask 0.</param>
    /// <param name="trace">Receives the intermediates under the fixture's names when not null.</param>
    /// <returns>Masks <c>[B,P,M,4G,4G]</c> and IoU scores <c>[B,P,M]</c>.</returns>
    public (Tensor Masks, Tensor Iou) Forward(Tensor image, Tensor imagePe, Tensor sparse, Tensor dense, bool multimask, IDictionary<string, Tensor>? trace)
    {
        using var scope = NewDisposeScope();
        long batch = image.shape[0], channels = image.shape[1], height = image.shape[2], width = image.shape[3];
        long points = sparse.shape[1];
        Tensor output = cat([iou_token.weight!, mask_tokens.weight!], 0).to(sparse.dtype).expand(batch, points, -1, -1);
        // The reference drops the prompts only when they sum to exactly zero (no prompt at all).
        // Summed in fp32: item<float> needs a float32 tensor (a half model's sparse embeddings are half).
        Tensor tokens = sparse.sum(ScalarType.Float32).item<float>() != 0 ? cat([output, sparse], 2) : output.contiguous();
        Tensor src = (image + dense).repeat_interleave(points, 0);
        Tensor pos = imagePe.repeat_interleave(points, 0);
        var (queries, keys) = transformer.Forward(tokens, src, pos);
        SamOps.Trace(trace, "decoder_tokens", queries);
        SamOps.Trace(trace, "decoder_image", keys);

        Tensor iouOut = queries.select(2, 0);
        Tensor maskOut = queries.narrow(2, 1, _maskTokens);
        Tensor grid = keys.transpose(2, 3).reshape(batch * points, channels, height, width);
        Tensor up = nn.functional.gelu(upscale_layer_norm.call(upscale_conv1.call(grid)));
        up = nn.functional.gelu(upscale_conv2.call(up));
        SamOps.Trace(trace, "upscaled_embedding", up);

        Tensor hyper = stack(Enumerable.Range(0, _maskTokens).Select(i => output_hypernetworks_mlps[i].call(maskOut.select(2, i))), 2);
        SamOps.Trace(trace, "hyper_in", hyper);
        long upChannels = up.shape[1], upH = up.shape[2], upW = up.shape[3];
        Tensor masks = hyper.matmul(up.reshape(batch, points, upChannels, upH * upW)).reshape(batch, points, -1, upH, upW);
        Tensor iou = iou_prediction_head.call(iouOut);
        SamOps.Trace(trace, "iou_all", iou);
        (long start, long count) = multimask ? (1L, _maskTokens - 1L) : (0L, 1L);
        return (masks.narrow(2, start, count).MoveToOuterDisposeScope(), iou.narrow(2, start, count).MoveToOuterDisposeScope());
    }
}
