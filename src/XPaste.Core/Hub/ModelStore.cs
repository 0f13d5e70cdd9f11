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
    public ModelStore(HubOptions? options = null, HttpClient? httpClient = null, ILogger<ModelStore>? logger = null)
    {
        Options = options ?? new HubOptions();
        if (!Uri.TryCreate(Options.Endpoint, UriKind.Absolute, out Uri? endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"HubOptions.Endpoint '{Options.Endpoint}' is not an http(s) URL", nameof(options));
        }

        if (Options.MaxAttempts < 1)
        {
            throw new ArgumentException($"HubOptions.MaxAttempts must be at least 1, not {Options.MaxAttempts}", nameof(options));
        }

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

    private async Task DownloadBlobAsync(string repoId, string commit, HubFile file, string blob, string lockPath, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        string incomplete = blob + ".incomplete";
        // One writer per partial file: a second process (or store) downloading the same blob waits, then finds it done.
        using FileLock held = await FileLock.AcquireAsync(lockPath, () => Log.WaitingForLock(_logger, file.Path, lockPath), cancellationToken)
            .ConfigureAwait(false);
        if (File.Exists(blob) && new FileInfo(blob).Length == file.Size)
        {
            progress?.Report(new OperationProgress($"download {file.Path}", file.Size!.Value, file.Size, "bytes"));
            return;
        }

        Uri url = ResolveUrl(repoId, commit, file.Path);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await TransferAsync(url, incomplete, file, progress, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Exception ex) when (attempt < Options.MaxAttempts && IsNetworkFailure(ex, cancellationToken))
            {
                TimeSpan delay = Options.RetryDelay * Math.Pow(2, attempt - 1);
                Log.Retrying(_logger, file.Path, attempt, Options.MaxAttempts, ex.Message);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsNetworkFailure(ex, cancellationToken))
            {
                throw new HubException($"{repoId}/{file.Path}: download failed after {attempt} attempts ({ex.Message}); run again to resume", ex);
            }
        }

        await VerifyAsync(incomplete, file, cancellationToken).ConfigureAwait(false);
        // The cache promises a complete blob under its final name, also after a power cut: content first, then the rename.
        AtomicFile.FlushToDisk(incomplete);
        AtomicFile.Commit(incomplete, blob);
    }

    // One HTTP transfer into the partial file, starting where it ends.
    private async Task TransferAsync(Uri url, string incomplete, HubFile file, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        long size = file.Size!.Value;
        long existing = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
        if (existing > size)
        {
            File.Delete(incomplete);
            existing = 0;
        }

        if (existing == size)
        {
            if (size == 0)
            {
                await File.WriteAllBytesAsync(incomplete, [], cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        string stage = $"download {file.Path}";
        progress?.Report(new OperationProgress(stage, existing, size, "bytes"));
        using HttpResponseMessage response = await SendAsync(HttpMethod.Get, url, existing > 0 ? existing : null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // The partial file is not a prefix the server recognises: start over.
            File.Delete(incomplete);
            throw new IOException($"the server refused to resume at byte {existing}; restarting");
        }

        await ThrowIfFailedAsync(response, file.Path, cancellationToken).ConfigureAwait(false);
        bool append = existing > 0 && response.StatusCode == HttpStatusCode.PartialContent;
        if (append && response.Content.Headers.ContentRange?.From is long from && from != existing)
        {
            File.Delete(incomplete);
            throw new IOException($"the server resumed at byte {from} instead of {existing}; restarting");
        }

        if (!append && existing > 0)
        {
            Log.NoResume(_logger, file.Path);
            existing = 0;
        }

        Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            var output = new FileStream(incomplete, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, useAsync: true);
            await using (output.ConfigureAwait(false))
            {
                byte[] buffer = new byte[1 << 20];
                long done = existing, reported = existing;
                while (true)
                {
                    int read;
                    using (var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                    {
                        stall.CancelAfter(Options.ReadTimeout);
                        try
                        {
                            read = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                        {
                            throw new IOException($"no data for {Options.ReadTimeout.TotalSeconds:0} s");
                        }
                    }

                    if (read == 0)
                    {
                        break;
                    }

                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    done += read;
                    if (done - reported >= buffer.Length || done == size)
                    {
                        progress?.Report(new OperationProgress(stage, done, size, "bytes"));
                        reported = done;
                    }
                }

                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (done < size)
                {
                    throw new IOException($"the connection ended after {done} of {size} bytes");
                }
            }
        }
    }

    private static async Task VerifyAsync(string path, HubFile file, CancellationToken cancellationToken)
    {
        long length = new FileInfo(path).Length;
        if (length != file.Size)
        {
            File.Delete(path);
            throw new HubIntegrityException(file.Path, $"{file.Size} bytes", $"{length} bytes");
        }

        string expected, actual;
        FileStream stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            if (file.Sha256 is not null)
            {
                expected = "SHA-256 " + file.Sha256;
                actual = "SHA-256 " + Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                // A git blob id is the SHA-1 of "blob {size}\0" followed by the content.
                using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
                sha1.AppendData(Encoding.ASCII.GetBytes($"blob {length.ToString(CultureInfo.InvariantCulture)}\0"));
                byte[] buffer = new byte[1 << 20];
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    sha1.AppendData(buffer, 0, read);
                }

                expected = "git blob " + file.BlobId;
                actual = "git blob " + Convert.ToHexStringLower(sha1.GetHashAndReset());
            }
        }

        if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(path);
            throw new HubIntegrityException(file.Path, expected, actual);
        }
    }

    // Size and hash from the resolve URL's headers when the file list lacked them: X-Linked-Size / X-Linked-Etag
    // (on the Hub's redirect for LFS files), else Content-Length / ETag.
    private async Task<HubFile> ProbeAsync(string repoId, string commit, HubFile file, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendAsync(HttpMethod.Head, ResolveUrl(repoId, commit, file.Path), null, cancellationToken,
            stopAtLinkedHeaders: true).ConfigureAwait(false);
        if (!IsRedirect(response.StatusCode))
        {
            await ThrowIfFailedAsync(response, file.Path, cancellationToken).ConfigureAwait(false);
        }

        long? size = Header(response, "X-Linked-Size") is { } linked && long.TryParse(linked, CultureInfo.InvariantCulture, out long s)
            ? s
            : response.Content.Headers.ContentLength;
        string? etag = (Header(response, "X-Linked-Etag") ?? response.Headers.ETag?.Tag)?.Replace("W/", "", StringComparison.Ordinal).Trim('"').ToLowerInvariant();
        HubFile probed = file with
        {
            Size = file.Size ?? size,
            Sha256 = file.Sha256 ?? (etag is { Length: 64 } ? etag : null),
            BlobId = file.BlobId ?? (etag is { Length: 40 } ? etag : null),
        };
        if (probed.Size is null || probed.Etag is null)
        {
            throw new HubException($"{repoId}/{file.Path}: the Hub reported no size or hash for the file, so it cannot be verified");
        }

        return probed;
    }

    // Sends a request, following redirects by hand so the Authorization header never leaves the Hub's host.
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, long? rangeFrom, CancellationToken cancellationToken,
        bool stopAtLinkedHeaders = false)
    {
        var endpointHost = new Uri(Options.Endpoint).Authority;
        for (int hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, url);
            request.Headers.UserAgent.ParseAdd("xpaste/1.0");
            if (Options.Token is { } token && string.Equals(url.Authority, endpointHost, StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            if (rangeFrom is long from)
            {
                request.Headers.Range = new RangeHeaderValue(from, null);
            }

            HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is null
                || (stopAtLinkedHeaders && Header(response, "X-Linked-Etag") is not null))
            {
                return response;
            }

            if (hop == MaxRedirects)
            {
                response.Dispose();
                throw new HubException($"{url}: more than {MaxRedirects} redirects");
            }

            url = response.Headers.Location.IsAbsoluteUri ? response.Headers.Location : new Uri(url, response.Headers.Location);
            response.Dispose();
        }
    }

    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        int code = (int)response.StatusCode;
        string detail = response.Headers.TryGetValues("X-Error-Message", out IEnumerable<string>? messages) ? " " + string.Join(" ", messages) : "";
        if (code >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            // Transient: the caller retries.
            throw new HttpRequestException($"{what}: HTTP {code}{detail}", null, response.StatusCode);
        }

        _ = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        throw response.StatusCode switch
        {
            HttpStatusCode.NotFound => new HubNotFoundException($"{what}: not found on the Hub (HTTP 404){detail}"),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                new HubException($"{what}: access denied (HTTP {code}){detail}; a gated or private repository needs HubOptions.Token (HF_TOKEN)"),
            _ => new HubException($"{what}: HTTP {code}{detail}"),
        };
    }

    private Uri ResolveUrl(string repoId, string commit, string path) =>
        new($"{Options.Endpoint.TrimEnd('/')}/{repoId}/resolve/{commit}/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}");

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

    private static bool IsRedirect(HttpStatusCode code) => (int)code is >= 300 and < 400;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null;

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
