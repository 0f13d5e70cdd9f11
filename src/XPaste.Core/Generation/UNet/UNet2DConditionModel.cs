using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// diffusers' <c>TimestepEmbedding</c>: <c>linear_1</c> -> SiLU -> <c>linear_2</c>; with <c>time_cond_proj_dim</c>
/// (LCM) a condition goes through <c>cond_proj</c> (no bias) and is added to the input first.
/// </summary>
internal sealed class TimestepEmbedding : nn.Module<Tensor, Tensor>
{
    internal readonly Linear linear_1;
    internal readonly Linear? cond_proj;
    internal readonly Linear linear_2;

    public TimestepEmbedding(long inChannels, long timeEmbedDim, int? condProjDim, Device? device) : base(nameof(TimestepEmbedding))
    {
        linear_1 = nn.Linear(inChannels, timeEmbedDim, device: device);
        if (condProjDim is { } dim)
        {
            cond_proj = nn.Linear(dim, inChannels, hasBias: false, device: device);
        }

        linear_2 = nn.Linear(timeEmbedDim, timeEmbedDim, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => Forward(input, null);

    public Tensor Forward(Tensor input, Tensor? condition)
    {
        using var scope = NewDisposeScope();
        if (condition is not null && cond_proj is not null)
        {
            input = input + cond_proj.call(condition);
        }

        return linear_2.call(nn.functional.silu(linear_1.call(input))).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// diffusers' <c>UNet2DConditionModel</c> for Stable Diffusion 1.x and 2.x: the noise (or v) prediction for
/// latents at a timestep, conditioned on text embeddings. Module and parameter names equal the diffusers
/// checkpoint keys (<c>down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight</c>, ...). Build on
/// the meta device to inspect shapes; <see cref="StableDiffusionModels.FromPretrained"/> loads weights.
/// </summary>
public sealed class UNet2DConditionModel : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    internal readonly Conv2d conv_in;
    internal readonly TimestepEmbedding time_embedding;
    internal readonly ModuleList<UNetDownBlock> down_blocks;
    internal readonly UNetMidBlock2DCrossAttn? mid_block;
    internal readonly ModuleList<UNetUpBlock> up_blocks;
    internal readonly GroupNorm conv_norm_out;
    internal readonly Conv2d conv_out;

    /// <summary>Builds the network with freshly initialised weights (nothing allocated on the meta device).</summary>
    /// <param name="config">The architecture.</param>
    /// <param name="device">Where the parameters live; the CPU when null.</param>
    public UNet2DConditionModel(UNet2DConditionConfig config, Device? device = null) : base(nameof(UNet2DConditionModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        IReadOnlyList<int> ch = config.BlockOutChannels;
        conv_in = nn.Conv2d(config.InChannels, ch[0], 3, padding: 1, device: device);
        time_embedding = new TimestepEmbedding(ch[0], config.TimeEmbedDim, config.TimeCondProjDim, device);
        down_blocks = new ModuleList<UNetDownBlock>(Enumerable.Range(0, ch.Count)
            .Select(i => new UNetDownBlock(config, i, i == 0 ? ch[0] : ch[i - 1], device)).ToArray());
        if (config.MidBlockType is not null)
        {
            mid_block = new UNetMidBlock2DCrossAttn(config, device);
        }

        up_blocks = new ModuleList<UNetUpBlock>(Enumerable.Range(0, ch.Count).Select(i => new UNetUpBlock(config, i, device)).ToArray());
        conv_norm_out = GroupNorms.Create(config.NormNumGroups, ch[0], config.NormEps, device);
        conv_out = nn.Conv2d(ch[0], config.OutChannels, 3, padding: 1, device: device);
        RegisterComponents();
        eval();
    }

    /// <summary>The architecture.</summary>
    public UNet2DConditionConfig Config { get; }

    /// <summary>Predicts the noise for <paramref name="sample"/> at <paramref name="timestep"/>.</summary>
    /// <param name="sample">Latents <c>[B,C,h,w]</c>; any size (odd sides work).</param>
    /// <param name="timestep">A 0-d tensor or one per batch item <c>[B]</c>; float (fractional timesteps work) or integer; any device.</param>
    /// <param name="encoderHiddenStates">The text embeddings <c>[B,S,cross_attention_dim]</c>.</param>
    /// <returns>The prediction <c>[B,out_channels,h,w]</c> in the sample's dtype.</returns>
    public override Tensor forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates) =>
        forward(sample, timestep, encoderHiddenStates, null);

    /// <summary>
    /// Predicts the noise with a timestep condition (diffusers' <c>timestep_cond</c>: LCM's guidance embedding,
    /// <see cref="GuidanceEmbedding"/>), added to the timestep features through <c>time_embedding.cond_proj</c>.
    /// </summary>
    /// <param name="sample">Latents <c>[B,C,h,w]</c>.</param>
    /// <param name="timestep">A 0-d tensor or one per batch item <c>[B]</c>.</param>
    /// <param name="encoderHiddenStates">The text embeddings <c>[B,S,cross_attention_dim]</c>.</param>
    /// <param name="timestepCond"><c>[B,time_cond_proj_dim]</c>; null skips <c>cond_proj</c> (as diffusers does), also on a UNet that has it.</param>
    /// <returns>The prediction <c>[B,out_channels,h,w]</c> in the sample's dtype.</returns>
    /// <exception cref="ArgumentException">A condition is given to a UNet without <c>time_cond_proj_dim</c>, or has the wrong shape.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Style", "IDE1006", Justification = "TorchSharp's forward naming.")]
    public Tensor forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, Tensor? timestepCond)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(timestep);
        ArgumentNullException.ThrowIfNull(encoderHiddenStates);
        if (sample.dim() != 4 || sample.shape[1] != Config.InChannels)
        {
            throw new ArgumentException($"expected a sample [B,{Config.InChannels},h,w], got [{string.Join(",", sample.shape)}]", nameof(sample));
        }

        using var scope = NewDisposeScope();
        Device device = conv_in.weight!.device;
        ScalarType dtype = conv_in.weight!.dtype;
        long batch = sample.shape[0];
        Tensor x = sample.to(dtype, device);
        Tensor context = encoderHiddenStates.to(dtype, device);
        if (Config.CenterInputSample)
        {
            x = x * 2.0 - 1.0;
        }

        Tensor emb = TimestepFeatures(timestep, batch, device).to(dtype);
        Tensor? cond = null;
        if (timestepCond is not null)
        {
            if (Config.TimeCondProjDim is not { } condDim)
            {
                throw new ArgumentException("this UNet has no time_cond_proj_dim: it takes no timestep condition", nameof(timestepCond));
            }

            if (timestepCond.dim() != 2 || timestepCond.shape[0] != batch || timestepCond.shape[1] != condDim)
            {
                throw new ArgumentException($"expected a timestep condition [{batch},{condDim}], got [{string.Join(",", timestepCond.shape)}]", nameof(timestepCond));
            }

            cond = timestepCond.to(dtype, device);
        }

        Tensor temb = time_embedding.Forward(emb, cond);

        // A latent side that is not a multiple of 2^upsamplers makes each upsampler target the next skip's size.
        long factor = 1L << (Config.BlockOutChannels.Count - 1);
        bool forwardSize = sample.shape[2] % factor != 0 || sample.shape[3] % factor != 0;

        x = conv_in.call(x);
        var skips = new List<Tensor> { x };
        foreach (UNetDownBlock block in down_blocks)
        {
            x = block.Forward(x, temb, context, skips);
        }

        if (mid_block is not null)
        {
            x = mid_block.call(x, temb, context);
        }

        for (int i = 0; i < up_blocks.Count; i++)
        {
            int taken = up_blocks[i].resnets.Count;
            long[]? size = forwardSize && i < up_blocks.Count - 1 ? skips[^(taken + 1)].shape[2..] : null;
            x = up_blocks[i].Forward(x, temb, context, skips, size);
        }

        x = conv_out.call(nn.functional.silu(conv_norm_out.call(x)));
        return x.to(sample.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The sinusoidal timestep features (diffusers' <c>Timesteps</c>), always in float32:
    /// <c>t * exp(-ln(10000) i / (half - freq_shift))</c>, as [sin, cos] or flipped to [cos, sin].
    /// </summary>
    internal Tensor TimestepFeatures(Tensor timestep, long batch, Device device)
    {
        using var scope = NewDisposeScope();
        Tensor t = timestep.to(ScalarType.Float32, device).flatten();
        if (t.shape[0] == 1 && batch != 1)
        {
            t = t.expand(batch);
        }
        else if (t.shape[0] != batch)
        {
            throw new ArgumentException($"timestep has {t.shape[0]} values for a batch of {batch}", nameof(timestep));
        }

        long dim = Config.BlockOutChannels[0];
        long half = dim / 2;
        Tensor exponent = arange(0, half, ScalarType.Float32, device) * (float)-Math.Log(10000.0);
        exponent = exponent / (float)(half - Config.FreqShift);
        Tensor args = t.unsqueeze(1) * exponent.exp().unsqueeze(0);
        Tensor emb = Config.FlipSinToCos ? cat([args.cos(), args.sin()], -1) : cat([args.sin(), args.cos()], -1);
        if (dim % 2 == 1)
        {
            emb = nn.functional.pad(emb, new long[] { 0, 1 });
        }

        return emb.MoveToOuterDisposeScope();
    }
}
