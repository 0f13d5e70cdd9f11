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
}
