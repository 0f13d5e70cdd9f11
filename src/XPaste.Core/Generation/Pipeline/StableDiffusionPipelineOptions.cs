using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>How a <see cref="StableDiffusionPipeline"/> runs (not what it draws).</summary>
public sealed class StableDiffusionPipelineOptions
{
    /// <summary>The default of <see cref="MaxImageSide"/>: 4096 pixels, 8 times SD 1.5's 512.</summary>
    public const int DefaultMaxImageSide = 4096;

    /// <summary>
    /// The largest image side, in pixels, a request may ask for; larger sides are refused before any tensor is made
    /// (latents grow with the area, attention with its square). Default <see cref="DefaultMaxImageSide"/>.
    /// </summary>
    public int MaxImageSide { get; init; } = DefaultMaxImageSide;

    /// <summary>Decode one image at a time: same pixels, less peak memory. Default false.</summary>
    public bool VaeSlicing { get; init; }

    /// <summary>
    /// Decode in float32 when the models are float16; null follows the VAE config's <c>force_upcast</c>.
    /// </summary>
    public bool? UpcastVae { get; init; }

    /// <summary>How <see cref="StableDiffusionPipeline.FromPretrained"/> loads the models (device, dtype, variant, Hub settings, logger). Default fp32 on the CPU.</summary>
    public StableDiffusionLoadOptions Model { get; init; } = StableDiffusionLoadOptions.Default;
}
