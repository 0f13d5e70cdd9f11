using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// diffusers' <c>AutoencoderTinyBlock</c>: three 3x3 convolutions with the activation between them
/// (<c>conv.0</c>, <c>conv.2</c>, <c>conv.4</c>), plus the input (through a 1x1 <c>skip</c> when the widths differ), then ReLU.
/// </summary>
internal sealed class AutoencoderTinyBlock : nn.Module<Tensor, Tensor>
{
    internal readonly ModuleList<nn.Module<Tensor, Tensor>> conv;
    internal readonly Conv2d? skip;

    public AutoencoderTinyBlock(long inChannels, long outChannels, string act, Device? device) : base(nameof(AutoencoderTinyBlock))
    {
        conv = new ModuleList<nn.Module<Tensor, Tensor>>(
            nn.Conv2d(inChannels, outChannels, 3, padding: 1, device: device),
            TinyLayers.Activation(act),
            nn.Conv2d(outChannels, outChannels, 3, padding: 1, device: device),
            TinyLayers.Activation(act),
            nn.Conv2d(outChannels, outChannels, 3, padding: 1, device: device));
        if (inChannels != outChannels)
        {
            skip = nn.Conv2d(inChannels, outChannels, 1, bias: false, device: device);
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor residual = skip is null ? input : skip.call(input);
        return nn.functional.relu(TinyLayers.Run(conv, input) + residual).MoveToOuterDisposeScope();
    }
}

/// <summary>Nearest-neighbour upsampling by an integer factor (<c>nn.Upsample(scale_factor=f)</c>); no parameters.</summary>
internal sealed class TinyUpsample(int factor) : nn.Module<Tensor, Tensor>(nameof(TinyUpsample))
{
    public override Tensor forward(Tensor input) => input.repeat_interleave(factor, 2).repeat_interleave(factor, 3);
}

/// <summary>diffusers' <c>EncoderTiny</c> / <c>DecoderTiny</c> as one numbered <c>layers</c> list (the checkpoint's <c>nn.Sequential</c> indices).</summary>
internal sealed class TinyCoder : nn.Module<Tensor, Tensor>
{
    internal readonly ModuleList<nn.Module<Tensor, Tensor>> layers;
    private readonly bool _decoder;

    private TinyCoder(List<nn.Module<Tensor, Tensor>> modules, bool decoder) : base(decoder ? "DecoderTiny" : "EncoderTiny")
    {
        layers = new ModuleList<nn.Module<Tensor, Tensor>>(modules.ToArray());
        _decoder = decoder;
        RegisterComponents();
    }

    /// <summary>conv(in), then per level a stride-2 conv without bias (not the first) and its blocks, then conv(latent).</summary>
    public static TinyCoder Encoder(AutoencoderTinyConfig config, Device? device)
    {
        var modules = new List<nn.Module<Tensor, Tensor>>();
        IReadOnlyList<int> ch = config.EncoderBlockOutChannels;
        for (int i = 0; i < ch.Count; i++)
        {
            modules.Add(i == 0
                ? nn.Conv2d(config.InChannels, ch[0], 3, padding: 1, device: device)
                : nn.Conv2d(ch[i], ch[i], 3, stride: 2, padding: 1, bias: false, device: device));
            for (int b = 0; b < config.NumEncoderBlocks[i]; b++)
            {
                modules.Add(new AutoencoderTinyBlock(ch[i], ch[i], config.ActFn, device));
            }
        }

        modules.Add(nn.Conv2d(ch[^1], config.LatentChannels, 3, padding: 1, device: device));
        return new TinyCoder(modules, decoder: false);
    }

    /// <summary>conv(latent) and the activation, then per level its blocks, an upsample and a conv (no bias) except the last, whose conv maps to the image with bias.</summary>
    public static TinyCoder Decoder(AutoencoderTinyConfig config, Device? device)
    {
        IReadOnlyList<int> ch = config.DecoderBlockOutChannels;
        var modules = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Conv2d(config.LatentChannels, ch[0], 3, padding: 1, device: device),
            TinyLayers.Activation(config.ActFn),
        };
        for (int i = 0; i < ch.Count; i++)
        {
            bool last = i == ch.Count - 1;
            for (int b = 0; b < config.NumDecoderBlocks[i]; b++)
            {
                modules.Add(new AutoencoderTinyBlock(ch[i], ch[i], config.ActFn, device));
            }

            if (!last)
            {
                modules.Add(new TinyUpsample(config.UpsamplingScalingFactor));
            }

            modules.Add(nn.Conv2d(ch[i], last ? config.OutChannels : ch[i], 3, padding: 1, bias: last, device: device));
        }

        return new TinyCoder(modules, decoder: true);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        // TAESD works in [0,1]: the encoder maps images from [-1,1]; the decoder soft-clamps latents to ±3 first and maps back.
        Tensor x = _decoder ? (input / 3).tanh() * 3 : (input + 1) / 2;
        x = TinyLayers.Run(layers, x);
        return (_decoder ? (x * 2) - 1 : x).MoveToOuterDisposeScope();
    }
}

internal static class TinyLayers
{
    public static nn.Module<Tensor, Tensor> Activation(string name) => name == "relu" ? nn.ReLU() : nn.SiLU();

    public static Tensor Run(ModuleList<nn.Module<Tensor, Tensor>> modules, Tensor input)
    {
        Tensor x = input;
        foreach (nn.Module<Tensor, Tensor> m in modules)
        {
            x = m.call(x);
        }

        return x;
    }
}
