using Microsoft.Extensions.Logging;
using XPaste.Hub;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>Options for <see cref="SamModel.FromPretrained"/>.</summary>
public sealed class SamLoadOptions
{
    /// <summary>The shared default options (fp32 on the CPU, the default Hub settings).</summary>
    public static SamLoadOptions Default { get; } = new();

    /// <summary>Where the model runs; the CPU when null.</summary>
    public Device? Device { get; init; }

    /// <summary>
    /// The weights' dtype: float32 (the default, as the reference) or, opt-in, float16 on CUDA, where layer norms,
    /// softmaxes and the positional encoding still compute in float32.
    /// </summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;

    /// <summary>Hub revision (branch, tag or commit) for a repo id. Default <c>main</c>.</summary>
    public string Revision { get; init; } = "main";

    /// <summary>Hub endpoint, cache and offline mode for a repo id; the defaults (HF_HOME, HF_HUB_OFFLINE, ...) when null.</summary>
    public HubOptions? Hub { get; init; }

    /// <summary>Receives the load report; nothing is logged when null.</summary>
    public ILogger? Logger { get; init; }
}
