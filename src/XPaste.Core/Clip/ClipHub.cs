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

    /// <summary>
    /// Resolves a CLIP model given the way users give one: an existing folder is used as it is; anything else is a
    /// Hub repository id (<c>openai/clip-vit-base-patch32</c>) fetched into the cache, or found there, by
    /// <paramref name="store"/>.
    /// </summary>
    /// <param name="model">A model folder or a repository id.</param>
    /// <param name="store">The model store (endpoint, cache, offline mode); a default one (HF_* environment variables) when null.</param>
    /// <param name="files">The files needed from a repository; null for a whole CLIP model (see <see cref="DownloadAsync"/>).</param>
    /// <param name="progress">Receives bytes done per downloaded file.</param>
    /// <param name="cancellationToken">Cancels a download; what arrived is resumed next time.</param>
    /// <returns>The model folder (full path).</returns>
    /// <exception cref="InvalidInputException"><paramref name="model"/> is a path (rooted, relative with <c>.</c>, or with
    /// a backslash) to a folder that does not exist, or neither a folder nor a valid repository id.</exception>
    /// <exception cref="HubException">The repository could not be fetched (see <see cref="ModelStore.DownloadAsync"/>).</exception>
    public static async Task<string> ResolveAsync(string model, ModelStore? store = null, IReadOnlyList<string>? files = null,
        IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (Directory.Exists(model))
        {
            return Path.GetFullPath(model);
        }

        if (LooksLikePath(model))
        {
            throw new InvalidInputException(model, "model folder not found");
        }

        ModelStore owned = store ?? new ModelStore();
        try
        {
            return files is null
                ? await DownloadAsync(owned, model, "main", progress, cancellationToken).ConfigureAwait(false)
                : await owned.DownloadAsync(model, "main", files, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (store is null)
            {
                owned.Dispose();
            }
        }
    }

    /// <summary>The local folder of a CLIP-style (transformers) model given as a folder or a Hub repo id, for <c>FromPretrained</c>.</summary>
    internal static string Resolve(string nameOrPath, PretrainedOptions options, CancellationToken cancellationToken)
    {
        string local = PretrainedSource.Resolve(nameOrPath, options,
            (store, repoId, ct) => DownloadAsync(store, repoId, options.Revision, options.DownloadProgress, ct), cancellationToken);
        return Directory.Exists(local)
            ? local
            : throw new InvalidInputException(nameOrPath, "model folder not found (a transformers model is a folder with config.json, weights, vocab.json and merges.txt)");
    }

    /// <summary>A repository id is <c>name</c> or <c>org/name</c>; a path is rooted, starts with a dot, or has more separators.</summary>
    private static bool LooksLikePath(string model) =>
        Path.IsPathRooted(model) || model.StartsWith('.') || model.StartsWith('~') || model.Contains('\\', StringComparison.Ordinal)
        || model.Count(c => c == '/') > 1;
}
