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
#pragma warning disable IDE1006 // Names follow the checkpoint keys.
    private readonly Conv2d conv_s1;
    private readonly BatchNorm2d bn_s1;
#pragma warning restore IDE1006

    public RebnConv(long inChannels, long outChannels, long dilation = 1)
        : base(nameof(RebnConv))
    {
        conv_s1 = nn.Conv2d(inChannels, outChannels, 3, padding: dilation, dilation: dilation);
        bn_s1 = nn.BatchNorm2d(outChannels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using Tensor convolved = conv_s1.call(input);
        using Tensor normalised = bn_s1.call(convolved);
        return nn.functional.relu(normalised);
    }
}
