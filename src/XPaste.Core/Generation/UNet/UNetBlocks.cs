using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// diffusers' <c>CrossAttnDownBlock2D</c> (with <c>attentions</c>) or <c>DownBlock2D</c> (without): resnets, each
/// followed by its transformer, then an optional stride-2 <c>downsamplers.0</c>. Every output is a skip.
/// </summary>
internal sealed class UNetDownBlock : nn.Module
{
    internal readonly ModuleList<ResnetBlock2D> resnets;
    internal readonly ModuleList<Transformer2DModel>? attentions;
    internal readonly ModuleList<Downsample2D>? downsamplers;

    public UNetDownBlock(UNet2DConditionConfig config, int index, long inChannels, Device? device) : base(nameof(UNetDownBlock))
    {
        long outChannels = config.BlockOutChannels[index];
        bool cross = config.DownBlockTypes[index] == "CrossAttnDownBlock2D";
        resnets = new ModuleList<ResnetBlock2D>(Enumerable.Range(0, config.LayersPerBlock)
            .Select(j => new ResnetBlock2D(j == 0 ? inChannels : outChannels, outChannels, config.TimeEmbedDim, config.NormNumGroups, config.NormEps, device))
            .ToArray());
        if (cross)
        {
            attentions = new ModuleList<Transformer2DModel>(Enumerable.Range(0, config.LayersPerBlock)
                .Select(_ => new Transformer2DModel(outChannels, config.AttentionHeads[index], config.TransformerLayersPerBlock[index],
                    config.NormNumGroups, config.CrossAttentionDim, config.UseLinearProjection, config.UpcastAttention, device))
                .ToArray());
        }

        if (index < config.BlockOutChannels.Count - 1)
        {
            downsamplers = new ModuleList<Downsample2D>(new Downsample2D(outChannels, config.DownsamplePadding, device));
        }

        RegisterComponents();
    }

    /// <summary>Runs the block; appends every resnet(+attention) output and the downsampled output to <paramref name="skips"/>.</summary>
    public Tensor Forward(Tensor hidden, Tensor temb, Tensor context, List<Tensor> skips)
    {
        Tensor x = hidden;
        for (int j = 0; j < resnets.Count; j++)
        {
            x = resnets[j].call(x, temb);
            if (attentions is not null)
            {
                Tensor y = attentions[j].call(x, context);
                x.Dispose();
                x = y;
            }

            skips.Add(x);
        }

        if (downsamplers is not null)
        {
            x = downsamplers[0].call(x);
            skips.Add(x);
        }

        return x;
    }
}

/// <summary>diffusers' <c>UNetMidBlock2DCrossAttn</c>: resnet -> transformer -> resnet.</summary>
internal sealed class UNetMidBlock2DCrossAttn : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    internal readonly ModuleList<ResnetBlock2D> resnets;
    internal readonly ModuleList<Transformer2DModel> attentions;

    public UNetMidBlock2DCrossAttn(UNet2DConditionConfig config, Device? device) : base(nameof(UNetMidBlock2DCrossAttn))
    {
        int last = config.BlockOutChannels.Count - 1;
        long channels = config.BlockOutChannels[last];
        resnets = new ModuleList<ResnetBlock2D>(Enumerable.Range(0, 2)
            .Select(_ => new ResnetBlock2D(channels, channels, config.TimeEmbedDim, config.NormNumGroups, config.NormEps, device, config.MidBlockScaleFactor))
            .ToArray());
        attentions = new ModuleList<Transformer2DModel>(new Transformer2DModel(channels, config.AttentionHeads[last],
            config.TransformerLayersPerBlock[last], config.NormNumGroups, config.CrossAttentionDim, config.UseLinearProjection,
            config.UpcastAttention, device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor temb, Tensor context)
    {
        using var scope = NewDisposeScope();
        Tensor x = resnets[0].call(hidden, temb);
        x = attentions[0].call(x, context);
        return resnets[1].call(x, temb).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// diffusers' <c>CrossAttnUpBlock2D</c> / <c>UpBlock2D</c>: <c>layers_per_block + 1</c> resnets, each on
/// <c>cat([h, skip])</c> with the skip taken from the end of the list, then an optional <c>upsamplers.0</c>.
/// </summary>
internal sealed class UNetUpBlock : nn.Module
{
    internal readonly ModuleList<ResnetBlock2D> resnets;
    internal readonly ModuleList<Transformer2DModel>? attentions;
    internal readonly ModuleList<Upsample2D>? upsamplers;

    public UNetUpBlock(UNet2DConditionConfig config, int index, Device? device) : base(nameof(UNetUpBlock))
    {
        int levels = config.BlockOutChannels.Count;
        long outChannels = config.BlockOutChannels[levels - 1 - index];
        long prevOutChannels = config.BlockOutChannels[levels - 1 - Math.Max(index - 1, 0)];
        long inChannels = config.BlockOutChannels[levels - 1 - Math.Min(index + 1, levels - 1)];
        int layers = config.LayersPerBlock + 1;
        bool cross = config.UpBlockTypes[index] == "CrossAttnUpBlock2D";
        int level = levels - 1 - index;
        resnets = new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers)
            .Select(j =>
            {
                long skip = j == layers - 1 ? inChannels : outChannels;
                long resIn = j == 0 ? prevOutChannels : outChannels;
                return new ResnetBlock2D(resIn + skip, outChannels, config.TimeEmbedDim, config.NormNumGroups, config.NormEps, device);
            })
            .ToArray());
        if (cross)
        {
            attentions = new ModuleList<Transformer2DModel>(Enumerable.Range(0, layers)
                .Select(_ => new Transformer2DModel(outChannels, config.AttentionHeads[level], config.TransformerLayersPerBlock[level],
                    config.NormNumGroups, config.CrossAttentionDim, config.UseLinearProjection, config.UpcastAttention, device))
                .ToArray());
        }

        if (index < levels - 1)
        {
            upsamplers = new ModuleList<Upsample2D>(new Upsample2D(outChannels, device));
        }

        RegisterComponents();
    }

    /// <summary>Runs the block, consuming its skips from the end of <paramref name="skips"/> (and disposing them).</summary>
    public Tensor Forward(Tensor hidden, Tensor temb, Tensor context, List<Tensor> skips, long[]? upsampleSize)
    {
        Tensor x = hidden;
        for (int j = 0; j < resnets.Count; j++)
        {
            Tensor skip = skips[^1];
            skips.RemoveAt(skips.Count - 1);
            Tensor joined = cat([x, skip], 1);
            x.Dispose();
            skip.Dispose();
            x = resnets[j].call(joined, temb);
            joined.Dispose();
            if (attentions is not null)
            {
                Tensor y = attentions[j].call(x, context);
                x.Dispose();
                x = y;
            }
        }

        if (upsamplers is not null)
        {
            Tensor y = upsamplers[0].call(x, upsampleSize);
            x.Dispose();
            x = y;
        }

        return x;
    }
}
