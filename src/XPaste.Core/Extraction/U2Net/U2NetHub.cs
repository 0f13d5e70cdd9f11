using XPaste.Hub;

namespace XPaste.Extraction;

/// <summary>Fetches one U^2-Net checkpoint from a Hub repository (U^2-Net is not a transformers model: a repo holds a bare weights file).</summary>
internal static class U2NetHub
{
    private static readonly string[] Candidates = ["model.safetensors", "u2net.safetensors", "u2netp.safetensors", "u2net.pth", "u2netp.pth"];

    /// <summary>Downloads (or finds in the cache) the first candidate the repository has; returns its local path.</summary>
    public static async Task<string> DownloadAsync(ModelStore store, string repoId, U2NetOptions options, CancellationToken cancellationToken)
    {
        string file = await PretrainedSource.FirstPresentAsync(store, repoId, options.Revision, Candidates, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidInputException(repoId, $"the repository has no U^2-Net checkpoint ({string.Join(", ", Candidates)})");
        string snapshot = await store.DownloadAsync(repoId, options.Revision, [file], options.DownloadProgress, cancellationToken).ConfigureAwait(false);
        return Path.Combine(snapshot, file);
    }
}
