using TorchSharp;
using XPaste.Hub;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>Options for <see cref="StableDiffusionModels.FromPretrained"/>: device and Hub settings (<see cref="PretrainedOptions"/>), dtype, variant, config folder.</summary>
public sealed class StableDiffusionLoadOptions : PretrainedOptions
{
    /// <summary>The shared default options (fp32 on the CPU).</summary>
    public static StableDiffusionLoadOptions Default { get; } = new();

    /// <summary>The weights' dtype; null means fp32 on the CPU and fp16 on CUDA. Files in another dtype are converted on load.</summary>
    public ScalarType? DType { get; init; }

    /// <summary>Weights variant: null for the plain files, <c>"fp16"</c> for <c>*.fp16.safetensors</c> (also what is fetched from the Hub).</summary>
    public string? Variant { get; init; }

    /// <summary>
    /// For a single-file checkpoint: a diffusers folder whose <c>unet/</c>, <c>vae/</c>, <c>text_encoder/</c> configs,
    /// <c>tokenizer/</c> and <c>scheduler/</c> describe it (its weights are used for a component the file lacks).
    /// Null: SD 1.5's published configs, with SD 1.x's tokenizer (CLIP's vocabulary, bundled in this library: no download).
    /// </summary>
    public string? ConfigFolder { get; init; }

    /// <summary>
    /// A VAE to use instead of the pipeline's own: a VAE folder or Hub repo id, e.g. <c>madebyollin/taesd</c>
    /// (<see cref="AutoencoderTiny"/>, about 1% of the full VAE's decoding work) or a fine-tuned <c>AutoencoderKL</c>;
    /// a folder with the original <c>taesd_encoder</c>/<c>taesd_decoder</c> files works too. Null: the pipeline's.
    /// </summary>
    public string? Vae { get; init; }

    internal ScalarType ResolvedDType => DType ?? (ResolvedDevice.type == DeviceType.CUDA ? ScalarType.Float16 : ScalarType.Float32);
}
