using XPaste.Hub;

namespace XPaste.Extraction;

/// <summary>Options for <see cref="ClipSegModel.FromPretrained"/>: device and Hub settings (<see cref="PretrainedOptions"/>). The model runs in float32.</summary>
public sealed class ClipSegModelOptions : PretrainedOptions
{
    /// <summary>The shared default options (the CPU, the Hub's defaults).</summary>
    public static ClipSegModelOptions Default { get; } = new();
}
