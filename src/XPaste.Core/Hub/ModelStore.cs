using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.IO;

namespace XPaste.Hub;

/// <summary>
/// Downloads model repositories from the Hugging Face Hub into the local cache that <c>huggingface_hub</c> uses
/// (so either tool finds what the other fetched) and finds them there offline. Every file is checked against the
/// size and hash the Hub announces (SHA-256 for Git LFS files such as weights, the git blob SHA-1 for the rest);
/// interrupted downloads resume with HTTP range requests, within a call and across runs.
/// </summary>
public sealed partial class ModelStore : IDisposable
{
    private const int MaxRedirects = 10;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ILogger _logger;

    /// <summary>Creates the store.</summary>
    /// <param name="options">Endpoint, cache folder, offline mode, token, retries; from the environment when null.</param>
    /// <param name="httpClient">The client to use; the store creates (and disposes) its own when null.</param>
    /// <param name="logger">Receives progress and retry messages; none when null.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public ModelStore(HubOptions? options = null, HttpClient? httpClient = null, ILogger<ModelStore>? logger = null)
    {
        Options = options ?? new HubOptions();
        Options.Validate();

        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = TimeSpan.FromMinutes(2),
        };
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The options in use.</summary>
    public HubOptions Options { get; }

    /// <summary>The cache folder of a repository (<c>{CacheFolder}/models--{org}--{name}</c>).</summary>
    /// <param name="repoId">The repository, e.g. <c>openai/clip-vit-large-patch14</c>.</param>
    /// <returns>The folder path (it may not exist yet).</returns>
    public string GetRepoFolder(string repoId) => new HubCache(Options.CacheFolder, ValidateRepoId(repoId)).RepoFolder;

    /// <summary>Asks the Hub which commit a revision is and which files it has (never in offline mode).</summary>
    /// <param name="repoId">The repository, e.g. <c>openai/clip-vit-large-patch14</c>.</param>
    /// <param name="revision">A branch, tag or commit hash. Default <c>main</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The commit and the files with their sizes and hashes.</returns>
    /// <exception cref="HubOfflineException">Offline mode is on.</exception>
    /// <exception cref="HubNotFoundException">The repository or revision does not exist.</exception>
    /// <exception cref="HubException">Access was denied or the answer was malformed.</exception>
    /// <exception cref="HttpRequestException">The Hub could not be reached.</exception>
    public async Task<HubRepoInfo> GetRepoInfoAsync(string repoId, string revision = "main", CancellationToken cancellationToken = default)
    {
        ValidateRepoId(repoId);
        ArgumentException.ThrowIfNullOrEmpty(revision);
        if (Options.Offline)
        {
            throw new HubOfflineException($"{repoId}@{revision}: offline mode is on (HubOptions.Offline / HF_HUB_OFFLINE), the Hub is not asked");
        }

        var url = new Uri($"{Options.Endpoint.TrimEnd('/')}/api/models/{repoId}/revision/{Uri.EscapeDataString(revision)}?blobs=true");
        using HttpResponseMessage response = await SendAsync(HttpMethod.Get, url, null, cancellationToken).ConfigureAwait(false);
        await ThrowIfFailedAsync(response, $"{repoId}@{revision}", cancellationToken).ConfigureAwait(false);
        byte[] json = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return ParseRepoInfo(repoId, revision, json);
    }

    /// <summary>
    /// Makes a repository revision available locally and returns its snapshot folder: files already cached are
    /// reused, the others downloaded, verified and linked in. In offline mode (or when the Hub cannot be reached
    /// and the cache already has everything asked for) only the cache is used.
    /// </summary>
    /// <param name="repoId">The repository, e.g. <c>openai/clip-vit-large-patch14</c>.</param>
    /// <param name="revision">A branch, tag or commit hash. Default <c>main</c>.</param>
    /// <param name="include">
    /// Which files: paths or shell patterns (<c>*.safetensors</c>, <c>*</c> crosses folders); every file when null.
    /// A plain path the repository lacks is an error.
    /// </param>
    /// <param name="progress">Receives bytes done per file (stage <c>download {path}</c>).</param>
    /// <param name="cancellationToken">Cancels the download; what arrived stays for the next call to resume.</param>
    /// <returns>The snapshot folder, e.g. <c>{cache}/models--openai--clip-vit-large-patch14/snapshots/{commit}</c>.</returns>
    /// <exception cref="HubOfflineException">Offline (or unreachable) and not everything asked for is cached.</exception>
    /// <exception cref="HubNotFoundException">The repository, revision or a requested file does not exist.</exception>
    /// <exception cref="HubIntegrityException">A file arrived with the wrong size or hash.</exception>
    /// <exception cref="HubException">Access was denied, or the download failed after every retry.</exception>
    public async Task<string> DownloadAsync(string repoId, string revision = "main", IReadOnlyList<string>? include = null,
        IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ValidateRepoId(repoId);
        ArgumentException.ThrowIfNullOrEmpty(revision);
        if (Options.Offline)
        {
            return FindCached(repoId, revision, include)
                ?? throw new HubOfflineException($"{repoId}@{revision}: offline mode is on and the requested files are not in the cache {GetRepoFolder(repoId)}");
        }

        HubRepoInfo info;
        try
        {
            info = await GetRepoInfoAsync(repoId, revision, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsNetworkFailure(ex, cancellationToken))
        {
            string? cached = FindCached(repoId, revision, include);
            if (cached is null)
            {
                throw new HubOfflineException($"{repoId}@{revision}: the Hub at {Options.Endpoint} cannot be reached ({ex.Message}) and the cache lacks the files", ex);
            }

            Log.UsingCache(_logger, repoId, revision, ex.Message);
            return cached;
        }

        var cache = new HubCache(Options.CacheFolder, repoId);
        List<HubFile> files = Select(info, include);
        cache.WriteRef(revision, info.Commit);
        foreach (HubFile listed in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            HubFile file = listed.Size is null || listed.Etag is null
                ? await ProbeAsync(repoId, info.Commit, listed, cancellationToken).ConfigureAwait(false)
                : listed;
            string blob = cache.BlobPath(file.Etag!);
            string snapshot = cache.SnapshotPath(info.Commit, file.Path);
            if (!File.Exists(blob) || new FileInfo(blob).Length != file.Size)
            {
                Directory.CreateDirectory(cache.BlobsFolder);
                await DownloadBlobAsync(repoId, info.Commit, file, blob, cache.LockPath(blob), progress, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                progress?.Report(new OperationProgress($"download {file.Path}", file.Size!.Value, file.Size, "bytes"));
            }

            HubCache.Link(blob, snapshot);
        }

        return Directory.CreateDirectory(cache.SnapshotFolder(info.Commit)).FullName;
    }

    /// <summary>Finds a revision in the cache without any network access.</summary>
    /// <param name="repoId">The repository.</param>
    /// <param name="revision">A branch, tag or commit hash the cache has seen. Default <c>main</c>.</param>
    /// <param name="include">Paths that must be present (patterns: at least one match); the snapshot folder alone when null.</param>
    /// <returns>The snapshot folder, or null when the revision or a file is not cached.</returns>
    public string? FindCached(string repoId, string revision = "main", IReadOnlyList<string>? include = null)
    {
        var cache = new HubCache(Options.CacheFolder, ValidateRepoId(repoId));
        string? commit = cache.ResolveCommit(revision);
        if (commit is null || !Directory.Exists(cache.SnapshotFolder(commit)))
        {
            return null;
        }

        string folder = cache.SnapshotFolder(commit);
        foreach (string pattern in include ?? [])
        {
            bool present = GlobPattern.HasWildcard(pattern)
                ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                    .Any(f => File.Exists(f) && GlobPattern.IsMatch(Path.GetRelativePath(folder, f).Replace('\\', '/'), pattern))
                : File.Exists(cache.SnapshotPath(commit, pattern));
            if (!present)
            {
                return null;
            }
        }

        return folder;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private static List<HubFile> Select(HubRepoInfo info, IReadOnlyList<string>? include)
    {
        if (include is null)
        {
            return [.. info.Files];
        }

        foreach (string pattern in include.Where(p => !GlobPattern.HasWildcard(p)))
        {
            if (!info.Files.Any(f => f.Path == pattern))
            {
                throw new HubNotFoundException($"{info.RepoId}@{info.Commit[..7]}: no file '{pattern}' (the repository has {string.Join(", ", info.Files.Select(f => f.Path).Take(30))})");
            }
        }

        return info.Files.Where(f => include.Any(p => GlobPattern.IsMatch(f.Path, p))).ToList();
    }

    private static HubRepoInfo ParseRepoInfo(string repoId, string revision, byte[] json)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            string commit = root.GetProperty("sha").GetString() ?? "";
            if (!HubCache.IsCommitHash(commit))
            {
                throw new HubException($"{repoId}@{revision}: the Hub answered with commit '{commit}', not a 40-digit hash");
            }

            var files = new List<HubFile>();
            foreach (JsonElement sibling in root.GetProperty("siblings").EnumerateArray())
            {
                string path = sibling.GetProperty("rfilename").GetString() ?? throw new HubException($"{repoId}: a file without a name");
                long? size = sibling.TryGetProperty("size", out JsonElement s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : null;
                string? blobId = sibling.TryGetProperty("blobId", out JsonElement b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
                string? sha256 = null;
                if (sibling.TryGetProperty("lfs", out JsonElement lfs) && lfs.ValueKind == JsonValueKind.Object)
                {
                    sha256 = lfs.TryGetProperty("sha256", out JsonElement h) ? h.GetString() : null;
                    size = lfs.TryGetProperty("size", out JsonElement ls) && ls.ValueKind == JsonValueKind.Number ? ls.GetInt64() : size;
                }

                files.Add(new HubFile(path, size, blobId?.ToLowerInvariant(), sha256?.ToLowerInvariant()));
            }

            return new HubRepoInfo(repoId, commit, files);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new HubException($"{repoId}@{revision}: unexpected answer from the Hub's API: {ex.Message}", ex);
        }
    }

    private static string ValidateRepoId(string repoId)
    {
        ArgumentNullException.ThrowIfNull(repoId);
        if (!RepoIdPattern().IsMatch(repoId) || repoId.Contains("--", StringComparison.Ordinal) || repoId.Contains("..", StringComparison.Ordinal))
        {
            throw new InvalidInputException($"repository '{repoId}'", "not a Hugging Face repository id such as 'openai/clip-vit-large-patch14'");
        }

        return repoId;
    }

    private static bool IsNetworkFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or IOException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    [GeneratedRegex(@"^([A-Za-z0-9][A-Za-z0-9._-]*/)?[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex RepoIdPattern();

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "{Repo}@{Revision}: the Hub cannot be reached ({Error}); using the cached snapshot")]
        public static partial void UsingCache(ILogger logger, string repo, string revision, string error);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{File}: attempt {Attempt} of {Max} failed ({Error}); resuming")]
        public static partial void Retrying(ILogger logger, string file, int attempt, int max, string error);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{File}: the server does not resume partial downloads; starting over")]
        public static partial void NoResume(ILogger logger, string file);

        [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{File}: another download of this file is running ({LockFile}); waiting for it")]
        public static partial void WaitingForLock(ILogger logger, string file, string lockFile);
    }
}
