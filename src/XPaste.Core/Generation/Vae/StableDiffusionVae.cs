using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// What a Stable Diffusion pipeline needs of its VAE, whichever it is: the full <see cref="AutoencoderKL"/> or the
/// tiny <see cref="AutoencoderTiny"/> (TAESD, about 1% of the decoding work). Load one with
/// <see cref="FromPretrained"/> to override a pipeline's (<see cref="StableDiffusionLoadOptions.Vae"/>).
/// </summary>
public abstract class StableDiffusionVae : nn.Module
{
    /// <summary>Names the module.</summary>
    /// <param name="name">The module name.</param>
    private protected StableDiffusionVae(string name) : base(name)
    {
    }

    /// <summary>The UNet's latents are <c>encoded * ScalingFactor</c>; the pipeline decodes <c>latents / ScalingFactor</c> (SD VAE 0.18215, TAESD 1).</summary>
    public abstract double ScalingFactor { get; }

    /// <summary>Pixels per latent cell (8 for SD): <c>2^(len(block_out_channels) - 1)</c>, as diffusers' pipelines compute it.</summary>
    public abstract int ScaleFactor { get; }

    /// <summary>Latent channels (4 for SD).</summary>
    public abstract int LatentChannels { get; }

    /// <summary>Whether an fp16 pipeline decodes with this VAE in fp32 (diffusers' <c>force_upcast</c>).</summary>
    public abstract bool ForceUpcast { get; }

    /// <summary>Decode one image at a time (same result, less peak memory). Default false.</summary>
    public bool EnableSlicing { get; set; }

    /// <summary>Decodes latents (already divided by <see cref="ScalingFactor"/>) to images, exactly as diffusers' <c>vae.decode(z).sample</c>.</summary>
    /// <param name="z">Latents <c>[B,latent,h,w]</c>, any device or dtype.</param>
    /// <returns>Images <c>[B,3,H,W]</c>, roughly in [-1,1], in the model's dtype on its device.</returns>
    public Tensor Decode(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (z.dim() != 4 || z.shape[1] != LatentChannels)
        {
            throw new ArgumentException($"expected [B,{LatentChannels},h,w], got [{string.Join(",", z.shape)}]", nameof(z));
        }

        if (EnableSlicing && z.shape[0] > 1)
        {
            using var outer = NewDisposeScope();
            Tensor[] parts = Enumerable.Range(0, (int)z.shape[0]).Select(i => DecodeBatch(z.narrow(0, i, 1))).ToArray();
            return cat(parts, 0).MoveToOuterDisposeScope();
        }

        return DecodeBatch(z);
    }

    /// <summary>
    /// Loads a VAE on its own: a diffusers VAE folder (<c>config.json</c> naming <c>AutoencoderKL</c> or
    /// <c>AutoencoderTiny</c>, and its weights), a folder with the original <c>taesd_encoder</c>/<c>taesd_decoder</c>
    /// files, or a Hub repo id (e.g. <c>madebyollin/taesd</c>, <c>stabilityai/sd-vae-ft-mse</c>).
    /// </summary>
    /// <param name="nameOrPath">The folder or repo id.</param>
    /// <param name="options">Device, dtype, variant and Hub settings (its <see cref="StableDiffusionLoadOptions.Vae"/> is ignored).</param>
    /// <param name="cancellationToken">Stops a Hub download; checked before loading.</param>
    /// <returns>The VAE; the caller disposes it.</returns>
    /// <exception cref="InvalidInputException">Not a VAE folder or repo, a bad config, or weights that do not fit; the message names the file.</exception>
    public static StableDiffusionVae FromPretrained(string nameOrPath, StableDiffusionLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameOrPath);
        cancellationToken.ThrowIfCancellationRequested();
        return VaeLoader.Load(nameOrPath, options ?? StableDiffusionLoadOptions.Default, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, cancellationToken);
    }

    /// <summary>Decodes one batch.</summary>
    /// <param name="z">Latents of the right shape.</param>
    /// <returns>Images in [-1,1].</returns>
    private protected abstract Tensor DecodeBatch(Tensor z);
}
