using XPaste.Hub;

namespace XPaste.Extraction;

/// <summary>Fetches what a SAM model needs from the Hub (config, preprocessor config, one weights file) and nothing else (the facebook repositories also carry TensorFlow weights).</summary>
internal static class SamHub
{
    private static readonly string[] Common = ["config.json", "preprocessor_config.json"];

    public static bool LooksLikeRepoId(string text) =>
        System.Text.RegularExpressions.Regex.IsMatch(text, @"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$") && !text.Contains("..", StringComparison.Ordinal);

    /// <summary>Downloads (or finds in the cache) the files; <c>model.safetensors</c> when the repository has it, else <c>pytorch_model.bin</c>. Returns the snapshot folder.</summary>
    public static async Task<string> DownloadAsync(string repoId, SamLoadOptions options, CancellationToken cancellationToken)
    {
        using var store = new ModelStore(options.Hub);
        string[] safetensors = [.. Common, "model.safetensors"];
        string[] pickle = [.. Common, "pytorch_model.bin"];
        string[] include;
        if (store.Options.Offline)
        {
            include = store.FindCached(repoId, options.Revision, safetensors) is null ? pickle : safetensors;
        }
        else
        {
            try
            {
                HubRepoInfo info = await store.GetRepoInfoAsync(repoId, options.Revision, cancellationToken).ConfigureAwait(false);
                include = info.Files.Any(f => f.Path == "model.safetensors") ? safetensors : pickle;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                // Unreachable Hub: use whichever complete set the cache has.
                include = store.FindCached(repoId, options.Revision, safetensors) is null ? pickle : safetensors;
            }
        }

        return await store.DownloadAsync(repoId, options.Revision, include, null, cancellationToken).ConfigureAwait(false);
    }
}
