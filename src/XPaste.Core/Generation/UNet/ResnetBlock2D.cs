using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// diffusers' <c>ResnetBlock2D</c> (default time-scale-shift): GN -> SiLU -> conv1 (+ projected time embedding)
/// -> GN -> SiLU -> conv2, plus a 1x1 <c>conv_shortcut</c> when the channels change; <c>(x + h) / scale</c>.
/// The VAE's resnets have no <c>time_emb_proj</c>.
/// </summary>
internal sealed class ResnetBlock2D : nn.Module<Tensor, Tensor?, Tensor>
{
    internal readonly GroupNorm norm1;
    internal readonly Conv2d conv1;
    internal readonly Linear? time_emb_proj;
    internal readonly GroupNorm norm2;
    internal readonly Conv2d conv2;
    internal readonly Conv2d? conv_shortcut;
    private readonly double _outputScale;

    public ResnetBlock2D(long inChannels, long outChannels, long? tembChannels, long groups, double eps, Device? device, double outputScale = 1.0)
        : base(nameof(ResnetBlock2D))
    {
        _outputScale = outputScale;
        norm1 = GroupNorms.Create(groups, inChannels, eps, device);
        conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1, device: device);
        if (tembChannels is { } temb)
        {
            time_emb_proj = nn.Linear(temb, outChannels, device: device);
        }

        norm2 = GroupNorms.Create(groups, outChannels, eps, device);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1, device: device);
        if (inChannels != outChannels)
        {
            conv_shortcut = nn.Conv2d(inChannels, outChannels, 1, device: device);
        }

        RegisterComponents();
    }

    /// <param name="input"><c>[B,C,H,W]</c>.</param>
    /// <param name="temb">The time embedding <c>[B,T]</c> (before SiLU), or null for the VAE.</param>
    public override Tensor forward(Tensor input, Tensor? temb)
    {
        using var scope = NewDisposeScope();
        // Intermediates are freed as soon as they are used, and activations run in place: at 512x512 a VAE
        // activation is 128 MiB, and a scope alone would keep every one of them to the end of the block.
        Tensor normed = norm1.call(input);
        Tensor h = conv1.call(nn.functional.silu(normed, inplace: true));
        normed.Dispose();
        if (time_emb_proj is not null && temb is not null)
        {
            Tensor t = time_emb_proj.call(nn.functional.silu(temb));
            h = h.add_(t.unsqueeze(-1).unsqueeze(-1));
        }

        normed = norm2.call(h);
        h.Dispose();
        h = conv2.call(nn.functional.silu(normed, inplace: true));
        normed.Dispose();
        Tensor output = conv_shortcut is null ? h.add_(input) : h.add_(conv_shortcut.call(input));
        if (_outputScale != 1.0)
        {
            output = output.div_(_outputScale);
        }

        return output.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// diffusers' <c>Downsample2D</c> with a convolution: 3x3 stride 2; with padding 0 (the VAE) the input is first
/// padded by one zero on the right and bottom.
/// </summary>
internal sealed class Downsample2D : nn.Module<Tensor, Tensor>
{
    internal readonly Conv2d conv;
    private readonly bool _asymmetricPad;

    public Downsample2D(long channels, long padding, Device? device) : base(nameof(Downsample2D))
    {
        _asymmetricPad = padding == 0;
        conv = nn.Conv2d(channels, channels, 3, stride: 2, padding: padding, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (!_asymmetricPad)
        {
            return conv.call(input);
        }

        using var scope = NewDisposeScope();
        Tensor padded = nn.functional.pad(input, new long[] { 0, 1, 0, 1 });
        return conv.call(padded).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// diffusers' <c>Upsample2D</c> with a convolution: nearest x2 (or nearest to a given size, for latents whose side
/// is not a multiple of the total upsampling), then 3x3.
/// </summary>
internal sealed class Upsample2D : nn.Module<Tensor, long[]?, Tensor>
{
    private static readonly double[] Double2 = [2.0, 2.0];
    internal readonly Conv2d conv;

    public Upsample2D(long channels, Device? device) : base(nameof(Upsample2D))
    {
        conv = nn.Conv2d(channels, channels, 3, padding: 1, device: device);
        RegisterComponents();
    }

    /// <param name="input"><c>[B,C,H,W]</c>.</param>
    /// <param name="size">The output size <c>[H',W']</c>, or null for twice the input.</param>
    public override Tensor forward(Tensor input, long[]? size)
    {
        using var scope = NewDisposeScope();
        Tensor up = size is null
            ? nn.functional.interpolate(input, scale_factor: Double2, mode: InterpolationMode.Nearest)
            : nn.functional.interpolate(input, size: size, mode: InterpolationMode.Nearest);
        return conv.call(up).MoveToOuterDisposeScope();
    }
}
