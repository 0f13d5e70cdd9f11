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
    /// Null: SD 1.5's published configs, with the tokenizer of <c>openai/clip-vit-large-patch14</c> from the Hub cache.
    /// </summary>
    public string? ConfigFolder { get; init; }

    internal ScalarType ResolvedDType => DType ?? (ResolvedDevice.type == DeviceType.CUDA ? ScalarType.Float16 : ScalarType.Float32);
}
