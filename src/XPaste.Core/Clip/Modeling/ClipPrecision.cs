namespace XPaste.Clip;

/// <summary>Numeric precision of a <see cref="ClipModel"/>.</summary>
public enum ClipPrecision
{
    /// <summary>fp16 on CUDA, fp32 elsewhere.</summary>
    Auto,

    /// <summary>Everything in fp32.</summary>
    Fp32,

    /// <summary>Weights and matrix products in fp16; layer norms, softmax and the logit scale stay fp32. Meant for CUDA.</summary>
    Fp16,

    /// <summary>
    /// Weights and matrix products in bfloat16; layer norms, softmax and the logit scale stay fp32. Opt-in for CPUs
    /// with avx512_bf16 or AMX, where libtorch's bf16 products run about 4x its fp32 ones; features differ from fp32
    /// by about 1% (docs/performance.md, CLIP side by side).
    /// </summary>
    Bf16,
}
