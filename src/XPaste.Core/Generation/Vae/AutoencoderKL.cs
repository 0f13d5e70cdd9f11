using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// diffusers' <c>AutoencoderKL</c>, the Stable Diffusion VAE: <see cref="Encode"/> images in [-1,1] to a latent
/// Gaussian, <see cref="StableDiffusionVae.Decode"/> latents back. Module and parameter names equal the diffusers checkpoint keys.
/// </summary>
public sealed class AutoencoderKL : StableDiffusionVae
{
    internal readonly VaeEncoder encoder;
    internal readonly VaeDecoder decoder;
    internal readonly Conv2d? quant_conv;
    internal readonly Conv2d? post_quant_conv;

    /// <summary>Builds the network with freshly initialised weights (nothing allocated on the meta device).</summary>
    /// <param name="config">The architecture.</param>
    /// <param name="device">Where the parameters live; the CPU when null.</param>
    public AutoencoderKL(AutoencoderKLConfig config, Device? device = null) : base(nameof(AutoencoderKL))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        encoder = new VaeEncoder(config, device);
        decoder = new VaeDecoder(config, device);
        if (config.UseQuantConv)
        {
            quant_conv = nn.Conv2d(2 * config.LatentChannels, 2 * config.LatentChannels, 1, device: device);
        }

        if (config.UsePostQuantConv)
        {
            post_quant_conv = nn.Conv2d(config.LatentChannels, config.LatentChannels, 1, device: device);
        }

        RegisterComponents();
        eval();
    }

    /// <summary>The architecture, with <see cref="AutoencoderKLConfig.ScalingFactor"/>.</summary>
    public AutoencoderKLConfig Config { get; }

    /// <inheritdoc />
    public override double ScalingFactor => Config.ScalingFactor;

    /// <inheritdoc />
    public override int ScaleFactor => Config.ScaleFactor;

    /// <inheritdoc />
    public override int LatentChannels => Config.LatentChannels;

    /// <inheritdoc />
    public override bool ForceUpcast => Config.ForceUpcast;

    /// <summary>Encodes images to the latent posterior (diffusers' <c>vae.encode(x).latent_dist</c>).</summary>
    /// <param name="x">Images in [-1,1], <c>[B,3,H,W]</c> with H, W multiples of 8.</param>
    /// <returns>Mean and clamped log-variance; the caller disposes them.</returns>
    public AutoencoderKLEncoding Encode(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckInput(x, Config.InChannels, nameof(x));
        using var scope = NewDisposeScope();
        Tensor weight = encoder.conv_in.weight!;
        Tensor moments = encoder.call(x.to(weight.dtype, weight.device));
        if (quant_conv is not null)
        {
            moments = quant_conv.call(moments);
        }

        Tensor[] halves = moments.chunk(2, 1);
        Tensor mean = halves[0].contiguous();
        Tensor logVar = halves[1].clamp(-30.0, 20.0);
        mean.MoveToOuterDisposeScope();
        logVar.MoveToOuterDisposeScope();
        return new AutoencoderKLEncoding(mean, logVar);
    }

    /// <summary>
    /// Decode with channels-last activations on the CPU (default true: 6-13% less CPU time than NCHW at 512x512 in the
    /// side-by-side run, docs/performance.md). Other devices decode NCHW, where it was not measured.
    /// </summary>
    internal bool DecodeChannelsLast { get; set; } = true;

    private protected override Tensor DecodeBatch(Tensor z)
    {
        using var scope = NewDisposeScope();
        Tensor weight = decoder.conv_in.weight!;
        Tensor x = z.to(weight.dtype, weight.device);
        if (post_quant_conv is not null)
        {
            x = post_quant_conv.call(x);
        }

        if (!DecodeChannelsLast || x.device_type != TorchSharp.DeviceType.CPU)
        {
            return decoder.call(x).MoveToOuterDisposeScope();
        }

        // Channels-last activations: oneDNN convolves them without reordering every map (as for U^2-Net).
        x = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        return decoder.call(x).contiguous().MoveToOuterDisposeScope();
    }

    private static void CheckInput(Tensor x, int channels, string name)
    {
        if (x.dim() != 4 || x.shape[1] != channels)
        {
            throw new ArgumentException($"expected [B,{channels},H,W], got [{string.Join(",", x.shape)}]", name);
        }
    }
}
