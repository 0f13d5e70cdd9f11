using TorchSharp;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// The reference's residual U-blocks <c>RSU7</c>, <c>RSU6</c>, <c>RSU5</c> and <c>RSU4</c> (one class, the height L
/// a parameter): an input convolution, an encoder of L-1 convolutions with 2x2 ceil-mode max pooling between them,
/// a dilation-2 bottom convolution, a decoder that concatenates each level's encoder output and upsamples
/// bilinearly, and the input convolution's output added back. Submodule names are the checkpoint's
/// (<c>rebnconvin</c>, <c>rebnconv1</c>..<c>rebnconvL</c>, <c>rebnconv(L-1)d</c>..<c>rebnconv1d</c>).
/// </summary>
internal sealed class Rsu : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Names follow the checkpoint keys.
    private readonly RebnConv rebnconvin;
#pragma warning restore IDE1006
    private readonly RebnConv[] _encoder; // rebnconv1 .. rebnconvL (the last dilated)
    private readonly RebnConv[] _decoder; // rebnconv1d .. rebnconv(L-1)d

    public Rsu(int height, long inChannels, long midChannels, long outChannels)
        : base($"RSU{height}")
    {
        if (height < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(height), height, "an RSU block has a height of at least 3");
        }

        rebnconvin = new RebnConv(inChannels, outChannels);
        _encoder = new RebnConv[height];
        for (int i = 0; i < height; i++)
        {
            long inC = i == 0 ? outChannels : midChannels;
            _encoder[i] = new RebnConv(inC, midChannels, dilation: i == height - 1 ? 2 : 1);
            register_module($"rebnconv{i + 1}", _encoder[i]);
        }

        _decoder = new RebnConv[height - 1];
        for (int i = height - 2; i >= 0; i--)
        {
            _decoder[i] = new RebnConv(midChannels * 2, i == 0 ? outChannels : midChannels);
            register_module($"rebnconv{i + 1}d", _decoder[i]);
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        int height = _encoder.Length;
        Tensor hxin = rebnconvin.call(input);
        var levels = new Tensor[height];
        levels[0] = _encoder[0].call(hxin);
        for (int i = 1; i < height - 1; i++)
        {
            levels[i] = _encoder[i].call(U2NetOps.Pool(levels[i - 1]));
        }

        // The bottom convolution is dilated instead of pooled.
        levels[height - 1] = _encoder[height - 1].call(levels[height - 2]);
        Tensor decoded = _decoder[height - 2].call(cat(new[] { levels[height - 1], levels[height - 2] }, 1));
        for (int i = height - 3; i >= 0; i--)
        {
            Tensor up = U2NetOps.UpsampleLike(decoded, levels[i]);
            decoded = _decoder[i].call(cat(new[] { up, levels[i] }, 1));
        }

        return decoded.add(hxin).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The reference's <c>RSU4F</c>: an RSU-4 without pooling, its resolution kept and its receptive field grown with
/// dilations 1, 2, 4, 8 (and 4, 2, 1 on the way back).
/// </summary>
internal sealed class Rsu4F : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Names follow the checkpoint keys.
    private readonly RebnConv rebnconvin;
    private readonly RebnConv rebnconv1;
    private readonly RebnConv rebnconv2;
    private readonly RebnConv rebnconv3;
    private readonly RebnConv rebnconv4;
    private readonly RebnConv rebnconv3d;
    private readonly RebnConv rebnconv2d;
    private readonly RebnConv rebnconv1d;
#pragma warning restore IDE1006

    public Rsu4F(long inChannels, long midChannels, long outChannels)
        : base("RSU4F")
    {
        rebnconvin = new RebnConv(inChannels, outChannels);
        rebnconv1 = new RebnConv(outChannels, midChannels, 1);
        rebnconv2 = new RebnConv(midChannels, midChannels, 2);
        rebnconv3 = new RebnConv(midChannels, midChannels, 4);
        rebnconv4 = new RebnConv(midChannels, midChannels, 8);
        rebnconv3d = new RebnConv(midChannels * 2, midChannels, 4);
        rebnconv2d = new RebnConv(midChannels * 2, midChannels, 2);
        rebnconv1d = new RebnConv(midChannels * 2, outChannels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor hxin = rebnconvin.call(input);
        Tensor hx1 = rebnconv1.call(hxin);
        Tensor hx2 = rebnconv2.call(hx1);
        Tensor hx3 = rebnconv3.call(hx2);
        Tensor hx4 = rebnconv4.call(hx3);
        Tensor hx3d = rebnconv3d.call(cat(new[] { hx4, hx3 }, 1));
        Tensor hx2d = rebnconv2d.call(cat(new[] { hx3d, hx2 }, 1));
        Tensor hx1d = rebnconv1d.call(cat(new[] { hx2d, hx1 }, 1));
        return hx1d.add(hxin).MoveToOuterDisposeScope();
    }
}

/// <summary>The parameter-free operations U^2-Net shares between its blocks.</summary>
internal static class U2NetOps
{
    /// <summary><c>nn.MaxPool2d(2, stride=2, ceil_mode=True)</c>: odd sizes round up.</summary>
    public static Tensor Pool(Tensor x) => nn.functional.max_pool2d(x, 2, stride: 2, ceil_mode: true);

    /// <summary>
    /// The reference's <c>_upsample_like</c>: <c>F.upsample(src, size=tar.shape[2:], mode='bilinear')</c>, whose
    /// <c>align_corners</c> has defaulted to false since PyTorch 0.4.
    /// </summary>
    public static Tensor UpsampleLike(Tensor source, Tensor target) =>
        nn.functional.interpolate(source, new[] { target.shape[2], target.shape[3] }, mode: InterpolationMode.Bilinear, align_corners: false);
}
