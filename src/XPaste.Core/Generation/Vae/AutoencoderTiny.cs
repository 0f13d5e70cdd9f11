using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// diffusers' <c>AutoencoderTiny</c>, TAESD (madebyollin/taesd): a distilled VAE of about 1.2 M parameters per half
/// that decodes SD latents with about 1% of <see cref="AutoencoderKL"/>'s work. Latents go in unscaled
/// (<see cref="ScalingFactor"/> 1). Module and parameter names equal the diffusers checkpoint keys
/// (<c>encoder.layers.*</c>, <c>decoder.layers.*</c>); the original <c>taesd_encoder</c>/<c>taesd_decoder</c> files
/// load through <see cref="FromPretrained"/>.
/// </summary>
public sealed class AutoencoderTiny : StableDiffusionVae
{
    internal readonly TinyCoder encoder;
    internal readonly TinyCoder decoder;

    /// <summary>Builds the network with freshly initialised weights (nothing allocated on the meta device).</summary>
    /// <param name="config">The architecture; madebyollin/taesd's when null.</param>
    /// <param name="device">Where the parameters live; the CPU when null.</param>
    public AutoencoderTiny(AutoencoderTinyConfig? config = null, Device? device = null) : base(nameof(AutoencoderTiny))
    {
        Config = config ?? AutoencoderTinyConfig.Taesd;
        Config.Validate("AutoencoderTinyConfig");
        encoder = TinyCoder.Encoder(Config, device);
        decoder = TinyCoder.Decoder(Config, device);
        RegisterComponents();
        eval();
    }

    /// <summary>The architecture.</summary>
    public AutoencoderTinyConfig Config { get; }

    /// <inheritdoc />
    public override double ScalingFactor => Config.ScalingFactor;

    /// <inheritdoc />
    public override int ScaleFactor => Config.ScaleFactor;

    /// <inheritdoc />
    public override int LatentChannels => Config.LatentChannels;

    /// <inheritdoc />
    public override bool ForceUpcast => Config.ForceUpcast;

    /// <summary>
    /// Loads TAESD from a diffusers folder (<c>config.json</c> + weights), a folder with the original
    /// <c>taesd_encoder</c>/<c>taesd_decoder</c> files, or a Hub repo id (<c>madebyollin/taesd</c>).
    /// </summary>
    /// <param name="nameOrPath">The folder or repo id.</param>
    /// <param name="options">Device, dtype, variant and Hub settings.</param>
    /// <param name="cancellationToken">Checked before loading.</param>
    /// <returns>The model; the caller disposes it.</returns>
    /// <exception cref="InvalidInputException">Not a TAESD folder or repo, or weights that do not fit; the message names the file.</exception>
    public static new AutoencoderTiny FromPretrained(string nameOrPath, StableDiffusionLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        StableDiffusionVae vae = StableDiffusionVae.FromPretrained(nameOrPath, options, cancellationToken);
        if (vae is AutoencoderTiny tiny)
        {
            return tiny;
        }

        vae.Dispose();
        throw new InvalidInputException(nameOrPath, "is an AutoencoderKL, not an AutoencoderTiny");
    }

    /// <summary>Encodes images in [-1,1] to raw latents (diffusers' <c>vae.encode(x).latents</c>: no scaling, shift or clamp).</summary>
    /// <param name="x">Images <c>[B,3,H,W]</c>.</param>
    /// <returns>Latents <c>[B,latent,H/8,W/8]</c> in the model's dtype on its device.</returns>
    public Tensor Encode(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() != 4 || x.shape[1] != Config.InChannels)
        {
            throw new ArgumentException($"expected [B,{Config.InChannels},H,W], got [{string.Join(",", x.shape)}]", nameof(x));
        }

        Tensor weight = encoder.parameters().First();
        return encoder.call(x.to(weight.dtype, weight.device));
    }

    private protected override Tensor DecodeBatch(Tensor z)
    {
        Tensor weight = decoder.parameters().First();
        return decoder.call(z.to(weight.dtype, weight.device));
    }
}
