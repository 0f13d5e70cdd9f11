using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using XPaste.IO;

namespace XPaste.Hub;

/// <summary>
/// The transfer half of the model store: one file from the Hub into a blob of the cache, resumed with range
/// requests after a cut connection, retried on transient failures, under a lock shared with other processes, and
/// verified against the announced size and hash before it is renamed into place.
/// </summary>
public sealed partial class ModelStore
{
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

    private static bool IsRedirect(HttpStatusCode code) => (int)code is >= 300 and < 400;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null;
}
