using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace XPaste.Hub;

/// <summary>
/// What every <c>FromPretrained(nameOrPath, options, cancellationToken)</c> shares: where the model runs, and how a
/// Hugging Face Hub id is fetched (revision, endpoint, cache, offline mode). Each model's options add its own settings.
/// </summary>
public abstract class PretrainedOptions
{
    /// <summary>Where the model runs; the CPU when null.</summary>
    public Device? Device { get; init; }

    /// <summary>Hub revision (branch, tag or commit) for a repo id. Default <c>main</c>.</summary>
    public string Revision { get; init; } = "main";

    /// <summary>Hub endpoint, cache and offline mode for a repo id; the defaults (HF_HOME, HF_HUB_OFFLINE, ...) when null.</summary>
    public HubOptions? Hub { get; init; }

    /// <summary>Receives bytes done per downloaded file when a repo id is fetched; nothing is reported when null.</summary>
    public IProgress<OperationProgress>? DownloadProgress { get; init; }

    /// <summary>Receives what was fetched and loaded; nothing is logged when null.</summary>
    public ILogger? Logger { get; init; }

    internal Device ResolvedDevice => Device ?? CPU;

    /// <summary>Adds the problems of these shared settings, for each model's validator.</summary>
    internal void AddProblems(List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(Revision))
        {
            problems.Add("Revision must name a branch, tag or commit");
        }
    }
}
