using XPaste.Hub;

namespace XPaste.Extraction;

/// <summary>
/// Options for <see cref="U2Net.FromPretrained"/>: device and Hub settings (<see cref="PretrainedOptions"/>). The
/// size (full or small) is not an option: it is read from the checkpoint. The model runs in float32.
/// </summary>
public sealed class U2NetOptions : PretrainedOptions
{
    /// <summary>The shared default options (the CPU, the Hub's defaults).</summary>
    public static U2NetOptions Default { get; } = new();
}
