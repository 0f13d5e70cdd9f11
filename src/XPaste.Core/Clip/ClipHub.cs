using XPaste.Hub;

namespace XPaste.Clip;

/// <summary>Fetches what a CLIP model needs from the Hugging Face Hub, and nothing else (the OpenAI repositories also carry TensorFlow and Flax weights).</summary>
public static class ClipHub
{
    /// <summary>X-Paste's CLIP: ViT-L/14.</summary>
    public const string DefaultRepo = "openai/clip-vit-large-patch14";

    private static readonly string[] Common = ["config.json", "vocab.json", "merges.txt"];

    /// <summary>
    /// Downloads (or finds in the cache) <c>config.json</c>, <c>vocab.json</c>, <c>merges.txt</c> and one weights file,
    /// <c>model.safetensors</c> when the repository has it, else <c>pytorch_model.bin</c>.
    /// </summary>
    /// <param name="store">The model store (endpoint, cache, offline mode).</param>
    /// <param name="repoId">The repository. Default <see cref="DefaultRepo"/>.</param>
    /// <param name="revision">Branch, tag or commit. Default <c>main</c>.</param>
    /// <param name="progress">Receives bytes done per file.</param>
    /// <param name="cancellationToken">Cancels the download; what arrived is resumed next time.</param>
    /// <returns>The snapshot folder, ready for <see cref="ClipModel.FromPretrained"/> and <see cref="ClipTokenizer.FromFolder"/>.</returns>
    public static async Task<string> DownloadAsync(ModelStore store, string repoId = DefaultRepo, string revision = "main",
        IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        string[] safetensors = [.. Common, "model.safetensors"];
        string[] pickle = [.. Common, "pytorch_model.bin"];
        string[] include = safetensors;
        if (store.Options.Offline)
        {
            include = store.FindCached(repoId, revision, safetensors) is null ? pickle : safetensors;
        }
        else
        {
            try
            {
                HubRepoInfo info = await store.GetRepoInfoAsync(repoId, revision, cancellationToken).ConfigureAwait(false);
                include = info.Files.Any(f => f.Path == "model.safetensors") ? safetensors : pickle;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                // Unreachable Hub: DownloadAsync falls back to whichever complete set the cache has.
                include = store.FindCached(repoId, revision, safetensors) is null ? pickle : safetensors;
            }
        }

        return await store.DownloadAsync(repoId, revision, include, progress, cancellationToken).ConfigureAwait(false);
    }
}
