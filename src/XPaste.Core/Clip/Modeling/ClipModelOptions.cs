using XPaste.Hub;
using XPaste.Weights;

namespace XPaste.Clip;

/// <summary>Options for <see cref="ClipModel.FromPretrained"/>: device and Hub settings (<see cref="PretrainedOptions"/>), precision, strictness.</summary>
public sealed class ClipModelOptions : PretrainedOptions
{
    /// <summary>The shared default options.</summary>
    public static ClipModelOptions Default { get; } = new();

    /// <summary>Numeric precision. Default <see cref="ClipPrecision.Auto"/> (fp16 on CUDA, fp32 on the CPU).</summary>
    public ClipPrecision Precision { get; init; } = ClipPrecision.Auto;

    /// <summary>
    /// Throw <see cref="WeightsMismatchException"/> unless the checkpoint fits the configuration exactly (the
    /// <c>position_ids</c> buffers some checkpoints carry are ignored). Default true.
    /// </summary>
    public bool Strict { get; init; } = true;
}
