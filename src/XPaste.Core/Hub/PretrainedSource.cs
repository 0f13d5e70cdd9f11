using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace XPaste.Hub;

/// <summary>
/// Turns the <c>nameOrPath</c> of a <c>FromPretrained</c> into a local path: an existing folder or file is used as it
/// is; a Hub repo id (<c>owner/name</c>) is fetched into the cache, or found there, through <see cref="ModelStore"/>.
/// </summary>
internal static partial class PretrainedSource
{
    /// <summary>True for <c>owner/name</c> (the only form the Hub gives models); paths have other shapes.</summary>
    public static bool LooksLikeRepoId(string text) => RepoIdPattern().IsMatch(text) && !text.Contains("..", StringComparison.Ordinal);

    /// <summary>
    /// The local folder or file for <paramref name="nameOrPath"/>. <paramref name="fetch"/> downloads a repo id's files
    /// and returns the snapshot folder, or the file within it, to load.
    /// </summary>
    /// <remarks>
    /// Loading is synchronous compute, so <c>FromPretrained</c> is synchronous; the download under it is asynchronous end
    /// to end and honours <paramref name="cancellationToken"/>, so waiting for it here once can still be cancelled.
    /// It runs on the thread pool so that a caller's synchronisation context cannot deadlock it.
    /// </remarks>
    public static string Resolve(string nameOrPath, PretrainedOptions options, Func<ModelStore, string, CancellationToken, Task<string>> fetch,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrPath);
        cancellationToken.ThrowIfCancellationRequested();
        if (Directory.Exists(nameOrPath) || File.Exists(nameOrPath))
        {
            return nameOrPath;
        }

        if (!LooksLikeRepoId(nameOrPath))
        {
            throw new InvalidInputException(nameOrPath, "no such folder or file, and not a Hub repo id (owner/name)");
        }

        return Task.Run(async () =>
        {
            using var store = new ModelStore(options.Hub);
            return await fetch(store, nameOrPath, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).GetAwaiter().GetResult();
    }

    /// <summary>
    /// The first of <paramref name="candidates"/> the repository has (asked of the Hub, or of the cache when offline or
    /// unreachable), for repositories that publish the same weights under several names or formats.
    /// </summary>
    /// <param name="store">The store to ask and download through.</param>
    /// <param name="repoId">The repository.</param>
    /// <param name="revision">Branch, tag or commit.</param>
    /// <param name="candidates">The file names to look for, in order of preference.</param>
    /// <param name="cancellationToken">Stops the Hub request.</param>
    /// <param name="logger">Told when the Hub cannot be reached and the cache answers instead; nothing is logged when null.</param>
    /// <returns>The chosen path, or null when none is there.</returns>
    public static async Task<string?> FirstPresentAsync(ModelStore store, string repoId, string revision, IReadOnlyList<string> candidates,
        CancellationToken cancellationToken, ILogger? logger = null)
    {
        if (!store.Options.Offline)
        {
            try
            {
                HubRepoInfo info = await store.GetRepoInfoAsync(repoId, revision, cancellationToken).ConfigureAwait(false);
                return candidates.FirstOrDefault(c => info.Files.Any(f => f.Path == c));
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                // Unreachable Hub: fall back to whichever the cache has.
                if (logger is not null)
                {
                    Log.Unreachable(logger, repoId, ex.Message);
                }
            }
        }

        return candidates.FirstOrDefault(c => store.FindCached(repoId, revision, [c]) is not null);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "The Hub cannot be reached for {Repo} ({Error}); using the cache")]
        public static partial void Unreachable(ILogger logger, string repo, string error);
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial Regex RepoIdPattern();
}
