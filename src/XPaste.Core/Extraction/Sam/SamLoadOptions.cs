using XPaste.Hub;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>Options for <see cref="SamModel.FromPretrained"/>.</summary>
public sealed class SamLoadOptions : PretrainedOptions
{
    /// <summary>The shared default options (fp32 on the CPU, the default Hub settings).</summary>
    public static SamLoadOptions Default { get; } = new();

    /// <summary>
    /// The weights' dtype: float32 (the default, as the reference) or, opt-in, float16 on CUDA or bfloat16 on CPUs
    /// with bf16 instructions (the ViT-B encoder in about 0.6x float32's time there); layer norms, softmaxes and the
    /// positional encoding still compute in float32.
    /// </summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;
}
