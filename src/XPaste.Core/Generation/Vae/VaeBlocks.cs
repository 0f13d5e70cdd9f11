using TorchSharp.Modules;
using static TorchSharp.torch;
using static XPaste.Generation.Intermediates;

namespace XPaste.Generation;

/// <summary>
/// The VAE mid-block attention (diffusers' <c>Attention</c> built from the old <c>AttentionBlock</c>): one head over
/// all channels, <c>group_norm</c> (eps 1e-6) inside, q/k/v/out with bias on <c>[B,H*W,C]</c> tokens, softmax in
/// fp32, plus the input.
/// </summary>
internal sealed class VaeAttention : nn.Module<Tensor, Tensor>
{
    internal readonly GroupNorm group_norm;
    internal readonly Linear to_q;
    internal readonly Linear to_k;
    internal readonly Linear to_v;
    internal readonly ModuleList<nn.Module<Tensor, Tensor>> to_out;

    public VaeAttention(long channels, long groups, Device? device) : base(nameof(VaeAttention))
    {
        group_norm = GroupNorms.Create(groups, channels, 1e-6, device);
        to_q = nn.Linear(channels, channels, device: device);
        to_k = nn.Linear(channels, channels, device: device);
        to_v = nn.Linear(channels, channels, device: device);
        to_out = new ModuleList<nn.Module<Tensor, Tensor>>(nn.Linear(channels, channels, device: device), nn.Dropout(0.0));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long batch = input.shape[0], channels = input.shape[1], height = input.shape[2], width = input.shape[3];
        Tensor x = group_norm.call(input).view(batch, channels, height * width).transpose(1, 2);
        Tensor q = to_q.call(x).unsqueeze(1);
        Tensor k = to_k.call(x).unsqueeze(1);
        Tensor v = to_v.call(x).unsqueeze(1);
        Tensor o = to_out[0].call(Attention.Sdpa(q, k, v, upcast: true).squeeze(1));
        o = o.transpose(1, 2).reshape(batch, channels, height, width);
        return (o + input).MoveToOuterDisposeScope();
    }
}

/// <summary>diffusers' <c>UNetMidBlock2D</c> without time embedding: resnet -> attention -> resnet.</summary>
internal sealed class VaeMidBlock : nn.Module<Tensor, Tensor>
{
    internal readonly ModuleList<ResnetBlock2D> resnets;
    internal readonly ModuleList<VaeAttention>? attentions;

    public VaeMidBlock(long channels, long groups, bool attention, Device? device) : base(nameof(VaeMidBlock))
    {
        resnets = new ModuleList<ResnetBlock2D>(Enumerable.Range(0, 2)
            .Select(_ => new ResnetBlock2D(channels, channels, null, groups, 1e-6, device)).ToArray());
        if (attention)
        {
            attentions = new ModuleList<VaeAttention>(new VaeAttention(channels, groups, device));
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = resnets[0].call(input, null);
        if (attentions is not null)
        {
            x = attentions[0].call(x);
        }

        return resnets[1].call(x, null).MoveToOuterDisposeScope();
    }
}

/// <summary>diffusers' <c>DownEncoderBlock2D</c> (resnets, optional <c>downsamplers.0</c>) or <c>UpDecoderBlock2D</c> (resnets, optional <c>upsamplers.0</c>).</summary>
internal sealed class VaeBlock : nn.Module<Tensor, Tensor>
{
    internal readonly ModuleList<ResnetBlock2D> resnets;
    internal readonly ModuleList<Downsample2D>? downsamplers;
    internal readonly ModuleList<Upsample2D>? upsamplers;

    public VaeBlock(long inChannels, long outChannels, int layers, long groups, bool down, bool resample, Device? device) : base(nameof(VaeBlock))
    {
        resnets = new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers)
            .Select(j => new ResnetBlock2D(j == 0 ? inChannels : outChannels, outChannels, null, groups, 1e-6, device)).ToArray());
        if (resample && down)
        {
            downsamplers = new ModuleList<Downsample2D>(new Downsample2D(outChannels, 0, device));
        }
        else if (resample)
        {
            upsamplers = new ModuleList<Upsample2D>(new Upsample2D(outChannels, device));
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = input;
        foreach (ResnetBlock2D resnet in resnets)
        {
            x = Replace(x, resnet.call(x, null), input);
        }

        if (downsamplers is not null)
        {
            x = Replace(x, downsamplers[0].call(x), input);
        }

        if (upsamplers is not null)
        {
            x = Replace(x, upsamplers[0].call(x, null), input);
        }

        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>Frees a block's intermediate as soon as the next one exists (never the caller's input).</summary>
internal static class Intermediates
{
    public static Tensor Replace(Tensor previous, Tensor next, Tensor input)
    {
        if (!ReferenceEquals(previous, input))
        {
            previous.Dispose();
        }

        return next;
    }
}

/// <summary>diffusers' VAE <c>Encoder</c>: conv_in -> down blocks -> mid block -> GN -> SiLU -> conv_out (2 x latent channels).</summary>
internal sealed class VaeEncoder : nn.Module<Tensor, Tensor>
{
    internal readonly Conv2d conv_in;
    internal readonly ModuleList<VaeBlock> down_blocks;
    internal readonly VaeMidBlock mid_block;
    internal readonly GroupNorm conv_norm_out;
    internal readonly Conv2d conv_out;

    public VaeEncoder(AutoencoderKLConfig config, Device? device) : base(nameof(VaeEncoder))
    {
        IReadOnlyList<int> ch = config.BlockOutChannels;
        int levels = ch.Count;
        conv_in = nn.Conv2d(config.InChannels, ch[0], 3, padding: 1, device: device);
        down_blocks = new ModuleList<VaeBlock>(Enumerable.Range(0, levels)
            .Select(i => new VaeBlock(i == 0 ? ch[0] : ch[i - 1], ch[i], config.LayersPerBlock, config.NormNumGroups, down: true,
                resample: i < levels - 1, device)).ToArray());
        mid_block = new VaeMidBlock(ch[^1], config.NormNumGroups, config.MidBlockAddAttention, device);
        conv_norm_out = GroupNorms.Create(config.NormNumGroups, ch[^1], 1e-6, device);
        conv_out = nn.Conv2d(ch[^1], 2 * config.LatentChannels, 3, padding: 1, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = conv_in.call(input);
        foreach (VaeBlock block in down_blocks)
        {
            x = Replace(x, block.call(x), input);
        }

        x = Replace(x, mid_block.call(x), input);
        return conv_out.call(nn.functional.silu(conv_norm_out.call(x))).MoveToOuterDisposeScope();
    }
}

/// <summary>diffusers' VAE <c>Decoder</c>: conv_in -> mid block -> up blocks (reversed channels, one more resnet each) -> GN -> SiLU -> conv_out.</summary>
internal sealed class VaeDecoder : nn.Module<Tensor, Tensor>
{
    internal readonly Conv2d conv_in;
    internal readonly VaeMidBlock mid_block;
    internal readonly ModuleList<VaeBlock> up_blocks;
    internal readonly GroupNorm conv_norm_out;
    internal readonly Conv2d conv_out;

    public VaeDecoder(AutoencoderKLConfig config, Device? device) : base(nameof(VaeDecoder))
    {
        int[] reversed = config.BlockOutChannels.Reverse().ToArray();
        int levels = reversed.Length;
        conv_in = nn.Conv2d(config.LatentChannels, reversed[0], 3, padding: 1, device: device);
        mid_block = new VaeMidBlock(reversed[0], config.NormNumGroups, config.MidBlockAddAttention, device);
        up_blocks = new ModuleList<VaeBlock>(Enumerable.Range(0, levels)
            .Select(i => new VaeBlock(i == 0 ? reversed[0] : reversed[i - 1], reversed[i], config.LayersPerBlock + 1, config.NormNumGroups,
                down: false, resample: i < levels - 1, device)).ToArray());
        conv_norm_out = GroupNorms.Create(config.NormNumGroups, reversed[^1], 1e-6, device);
        conv_out = nn.Conv2d(reversed[^1], config.OutChannels, 3, padding: 1, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = conv_in.call(input);
        x = Replace(x, mid_block.call(x), input);
        foreach (VaeBlock block in up_blocks)
        {
            x = Replace(x, block.call(x), input);
        }

        return conv_out.call(nn.functional.silu(conv_norm_out.call(x))).MoveToOuterDisposeScope();
    }
}
