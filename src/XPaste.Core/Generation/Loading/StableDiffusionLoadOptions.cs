using TorchSharp;
using XPaste.Hub;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>Options for <see cref="StableDiffusionModels.FromPretrained"/>.</summary>
public sealed class StableDiffusionLoadOptions
{
    /// <summary>The shared default options (fp32 on the CPU).</summary>
    public static StableDiffusionLoadOptions Default { get; } = new();

    /// <summary>Where the models run; the CPU when null.</summary>
    public Device? Device { get; init; }

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

    /// <summary>Hub revision (branch, tag or commit) for a repo id. Default <c>main</c>.</summary>
    public string Revision { get; init; } = "main";

    /// <summary>Hub endpoint, cache and offline mode for a repo id; the defaults (HF_HOME, HF_HUB_OFFLINE, ...) when null.</summary>
    public HubOptions? Hub { get; init; }

    internal Device ResolvedDevice => Device ?? CPU;

    internal ScalarType ResolvedDType => DType ?? (ResolvedDevice.type == DeviceType.CUDA ? ScalarType.Float16 : ScalarType.Float32);
}
