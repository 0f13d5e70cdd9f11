using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// The reference's <c>REBNCONV</c>: a 3x3 convolution (padding = dilation, so the size is kept), batch norm, ReLU.
/// Field names are the checkpoint's (<c>conv_s1</c>, <c>bn_s1</c>).
/// </summary>
internal sealed class RebnConv : nn.Module<Tensor, Tensor>
{
    private const double BatchNormEps = 1e-5; // nn.BatchNorm2d's default, which the reference keeps

#pragma warning disable IDE1006 // Names follow the checkpoint keys.
    private readonly Conv2d conv_s1;
    private readonly BatchNorm2d bn_s1;
#pragma warning restore IDE1006
    private readonly long _dilation;

    public RebnConv(long inChannels, long outChannels, long dilation = 1)
        : base(nameof(RebnConv))
    {
        conv_s1 = nn.Conv2d(inChannels, outChannels, 3, padding: dilation, dilation: dilation);
        bn_s1 = nn.BatchNorm2d(outChannels);
        _dilation = dilation;
        RegisterComponents();
    }

    /// <summary>
    /// In evaluation mode, fold the batch norm into the convolution (as ONNX Runtime's Conv+BatchNorm fusion does):
    /// one pass over the activation instead of two, and one allocation less. Default true.
    /// </summary>
    internal bool FoldBatchNorm { get; set; } = true;

    /// <summary>Give the folded kernel the channels-last layout (set with a channels-last input). Default false.</summary>
    internal bool ChannelsLast { get; set; }

    public override Tensor forward(Tensor input)
    {
        if (training || !FoldBatchNorm)
        {
            using Tensor convolved = conv_s1.call(input);
            Tensor normalised = bn_s1.call(convolved);
            return normalised.relu_();
        }

        // The folded weights are recomputed per call (a pass over the weights, small next to the activations), so
        // that weights loaded or changed later are always the ones used.
        using var scope = NewDisposeScope();
        Tensor scale = bn_s1.weight!.mul(bn_s1.running_var!.add(BatchNormEps).rsqrt_());
        Tensor weight = conv_s1.weight!.mul(scale.view(-1, 1, 1, 1));
        if (ChannelsLast)
        {
            weight = weight.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        }

        Tensor bias = conv_s1.bias!.sub(bn_s1.running_mean!).mul_(scale).add_(bn_s1.bias!);
        Tensor output = nn.functional.conv2d(input, weight, bias, padding: [_dilation, _dilation], dilation: [_dilation, _dilation]);
        return output.relu_().MoveToOuterDisposeScope();
    }
}
