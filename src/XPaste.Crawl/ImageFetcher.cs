using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Polly.Timeout;

namespace XPaste.Crawl;

/// <summary>What one URL came to before deduplication: a failure, or a checked image with its hashes.</summary>
internal sealed record Fetched(CrawlStatus Status, string? Reason, string? Detail, int? HttpStatus, string? FinalUrl, long? Bytes,
    string? Sha256, CheckedImage? Image, string? StoredSha256 = null, string? TempFile = null)
{
    public static Fetched Fail(CrawlStatus status, string reason, string? detail, int? http = null, string? finalUrl = null) =>
        new(status, reason, detail, http, finalUrl, null, null, null);
}

/// <summary>
/// Downloads and checks one URL: scheme, robots.txt (cached per host), per-host concurrency, an end-to-end deadline
/// (body included), redirects, <c>X-Robots-Tag</c>, the byte limit, then the decode check on a bounded number of threads.
/// </summary>
internal sealed class ImageFetcher : IDisposable
{
    private readonly HttpClient _client;
    private readonly CrawlOptions _options;
    private readonly ILogger _logger;
    private readonly string _agent;
    private readonly ConcurrentDictionary<string, Lazy<Task<RobotsResult>>> _robots = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _hosts = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _cpu = new(Math.Max(1, Environment.ProcessorCount));

    private readonly string _root;

    public ImageFetcher(HttpClient client, CrawlOptions options, ILogger logger, string root)
    {
        _root = root;
        _client = client;
        _options = options;
        _logger = logger;
        _agent = options.UserAgent.Split('/', ' ')[0];
    }

    public async Task<Fetched> FetchAsync(CrawlItem item, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(item.Url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host))
        {
            return Fetched.Fail(CrawlStatus.Failed, CrawlReasons.InvalidUrl, "not an absolute http or https URL");
        }

        string origin = uri.GetLeftPart(UriPartial.Authority);
        if (_options.RespectRobotsTxt)
        {
            RobotsResult robots = await _robots.GetOrAdd(origin, o => new Lazy<Task<RobotsResult>>(() => LoadRobotsAsync(new Uri(o), cancellationToken))).Value.ConfigureAwait(false);
            if (robots.Blocked is { } blocked)
            {
                return Fetched.Fail(CrawlStatus.Failed, CrawlReasons.BlockedAddress, blocked.Message);
            }

            if (!robots.Rules.IsAllowed(uri))
            {
                return Fetched.Fail(CrawlStatus.OptedOut, CrawlReasons.RobotsTxt,
                    robots.Rules.DisallowAll ? $"{origin}/robots.txt could not be read (server error), which disallows all" : $"{origin}/robots.txt disallows {uri.AbsolutePath}");
            }
        }

        SemaphoreSlim host = _hosts.GetOrAdd(origin, _ => new SemaphoreSlim(_options.MaxConcurrencyPerHost));
        await host.WaitAsync(cancellationToken).ConfigureAwait(false);
        Fetched? failure;
        byte[]? body;
        int? http;
        string? finalUrl;
        try
        {
            (failure, body, http, finalUrl) = await DownloadAsync(uri, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            host.Release();
        }

        if (failure is not null)
        {
            return failure;
        }

        string sha = Convert.ToHexStringLower(SHA256.HashData(body!));
        await _cpu.WaitAsync(cancellationToken).ConfigureAwait(false);
        CheckedImage image;
        try
        {
            image = await Task.Run(() => ImageCheck.Run(body!, _options), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or OutOfMemoryException or IndexOutOfRangeException
                                       or InvalidDataException or NotSupportedException or OverflowException or XPaste.Imaging.InvalidImageException)
        {
            // A decoder failure on hostile input is that URL's problem, not the crawl's.
            image = new CheckedImage(CrawlReasons.Corrupt, ex.Message, 0, 0, 0, null, "");
        }
        finally
        {
            _cpu.Release();
        }

        CrawlStatus status = image.Reason switch
        {
            null => CrawlStatus.Kept,
            CrawlReasons.TooSmall or CrawlReasons.AspectRatio => CrawlStatus.Filtered,
            _ => CrawlStatus.Failed,
        };
        if (status != CrawlStatus.Kept || image.Output is null)
        {
            return new Fetched(status, image.Reason, image.Detail, http, finalUrl, body!.Length, sha, image);
        }

        // Written here, in parallel, to a hidden temporary file; the in-order commit only renames it (or deletes a duplicate's).
        string? stored = ReferenceEquals(image.Output, body) ? null : Convert.ToHexStringLower(SHA256.HashData(image.Output));
        string folder = IO.SafePath.Resolve(_root, item.Category, item.Url);
        Directory.CreateDirectory(folder);
        string temp = Path.Combine(folder, $".tmp-{item.Index}-{Guid.NewGuid():N}{image.Extension}");
        await File.WriteAllBytesAsync(temp, image.Output, cancellationToken).ConfigureAwait(false);
        return new Fetched(status, null, null, http, finalUrl, body!.Length, sha, image with { Output = null }, stored, temp);
    }

    private async Task<(Fetched? Failure, byte[]? Body, int? Http, string? FinalUrl)> DownloadAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.RequestTimeout);
        int? http = null;
        string? finalUrl = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            using HttpResponseMessage response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            http = (int)response.StatusCode;
            finalUrl = response.RequestMessage?.RequestUri?.ToString() ?? uri.ToString();
            if (http is >= 300 and < 400 && RedirectTarget(response) is { } target
                && target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)
            {
                return (Fetched.Fail(CrawlStatus.Failed, CrawlReasons.UnsupportedRedirect,
                    $"redirected to a {target.Scheme}: URL; only http and https are followed", http, finalUrl), null, http, finalUrl);
            }

            if (http is >= 300 and < 400 && RedirectTarget(response) is null)
            {
                return (Fetched.Fail(CrawlStatus.Failed, CrawlReasons.BadResponse, $"HTTP {http} without a usable Location header", http, finalUrl), null, http, finalUrl);
            }

            if (http is >= 300 and < 400)
            {
                return (Fetched.Fail(CrawlStatus.Failed, CrawlReasons.TooManyRedirects, $"still redirected after {_options.MaxRedirects} redirects", http, finalUrl), null, http, finalUrl);
            }

            if (!response.IsSuccessStatusCode)
            {
                return (Fetched.Fail(CrawlStatus.Failed, CrawlReasons.Http(http.Value), $"HTTP {http} {response.ReasonPhrase}", http, finalUrl), null, http, finalUrl);
            }

            if (OptOut(response) is { } directive)
            {
                return (Fetched.Fail(CrawlStatus.OptedOut, CrawlReasons.XRobotsTag, $"X-Robots-Tag: {directive}", http, finalUrl), null, http, finalUrl);
            }

            if (response.Content.Headers.ContentLength > _options.MaxImageBytes)
            {
                return (TooLarge(response.Content.Headers.ContentLength.Value), null, http, finalUrl);
            }

            byte[]? body = await ReadBoundedAsync(response.Content, deadline.Token).ConfigureAwait(false);
            return body is null ? (TooLarge(null), null, http, finalUrl) : (null, body, http, finalUrl);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (Fetched.Fail(CrawlStatus.Failed, CrawlReasons.Timeout, $"no complete response within {_options.RequestTimeout.TotalSeconds:0.###} s", http, finalUrl), null, http, finalUrl);
        }
        catch (TimeoutRejectedException ex)
        {
            return (Fetched.Fail(CrawlStatus.Failed, CrawlReasons.Timeout, ex.Message, http, finalUrl), null, http, finalUrl);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            if (Find<BlockedAddressException>(ex) is { } blocked)
            {
                return (Fetched.Fail(CrawlStatus.Failed, CrawlReasons.BlockedAddress, blocked.Message, http, finalUrl), null, http, finalUrl);
            }

            CrawlLogMessages.NetworkError(_logger, ex, uri);
            return (Fetched.Fail(CrawlStatus.Failed, CrawlReasons.Network, Innermost(ex).Message, http, finalUrl), null, http, finalUrl);
        }
        catch (Exception ex) when (IsBadAnswer(ex) && !cancellationToken.IsCancellationRequested)
        {
            // The handler follows redirects itself and throws on a target it cannot use: that URL's outcome, not the crawl's.
            return Innermost(ex) is NotSupportedException unsupported
                ? (Fetched.Fail(CrawlStatus.Failed, CrawlReasons.UnsupportedRedirect, $"redirected to a URL that is not http or https ({unsupported.Message})", http, finalUrl), null, http, finalUrl)
                : (Fetched.Fail(CrawlStatus.Failed, CrawlReasons.BadResponse, $"the server's answer cannot be followed: {Innermost(ex).Message}", http, finalUrl), null, http, finalUrl);
        }

        Fetched TooLarge(long? length) => Fetched.Fail(CrawlStatus.Failed, CrawlReasons.TooLarge,
            length is { } n ? $"Content-Length {n:N0} exceeds the limit of {_options.MaxImageBytes:N0} bytes" : $"the body exceeds the limit of {_options.MaxImageBytes:N0} bytes",
            http, finalUrl);
    }

    /// <summary>Exceptions a server's answer can cause inside the HTTP stack (a malformed redirect target or header).</summary>
    private static bool IsBadAnswer(Exception ex) => ex is UriFormatException or FormatException or InvalidOperationException or NotSupportedException or ArgumentException;

    /// <summary>Where a redirect points, resolved against the request; null when it has no usable Location.</summary>
    private static Uri? RedirectTarget(HttpResponseMessage response)
    {
        Uri? location = response.Headers.Location;
        if (location is null)
        {
            return null;
        }

        if (location.IsAbsoluteUri)
        {
            return location;
        }

        return response.RequestMessage?.RequestUri is { } from && Uri.TryCreate(from, location, out Uri? resolved) ? resolved : null;
    }

    /// <summary>Reads the body, stopping (null) as soon as it passes the byte limit.</summary>
    private async Task<byte[]?> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using Stream stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        long limit = _options.MaxImageBytes;
        using var buffer = new MemoryStream(content.Headers.ContentLength is { } n and > 0 ? (int)Math.Min(n, limit) : 1 << 16);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (true)
            {
                int read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return buffer.ToArray();
                }

                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>The first opt-out directive in the response's <c>X-Robots-Tag</c> headers that applies to this crawler.</summary>
    private string? OptOut(HttpResponseMessage response)
    {
        if (_options.OptOutDirectives.Count == 0 || !response.Headers.TryGetValues("X-Robots-Tag", out IEnumerable<string>? values))
        {
            return null;
        }

        foreach (string value in values)
        {
            // "noai, noimageai" applies to all; "otherbot: noai" only to otherbot.
            string directives = value;
            int colon = value.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                string agent = value[..colon].Trim();
                if (!IsDirective(agent))
                {
                    if (!string.Equals(agent, _agent, StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }

                    directives = value[(colon + 1)..];
                }
            }

            foreach (string directive in directives.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (_options.OptOutDirectives.Any(d => string.Equals(d, directive, StringComparison.OrdinalIgnoreCase)))
                {
                    return directive;
                }
            }
        }

        return null;
    }

    private static bool IsDirective(string token) => token.Equals("unavailable_after", StringComparison.OrdinalIgnoreCase)
        || token.Equals("max-snippet", StringComparison.OrdinalIgnoreCase) || token.Equals("max-image-preview", StringComparison.OrdinalIgnoreCase)
        || token.Equals("max-video-preview", StringComparison.OrdinalIgnoreCase);

    private async Task<RobotsResult> LoadRobotsAsync(Uri origin, CancellationToken cancellationToken)
    {
        var robotsUri = new Uri(origin, "/robots.txt");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.RequestTimeout);
        try
        {
            using HttpResponseMessage response = await _client.GetAsync(robotsUri, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (status >= 500)
            {
                CrawlLogMessages.RobotsServerError(_logger, robotsUri, status);
                return new RobotsResult(RobotsRules.Unreachable, null);
            }

            if (!response.IsSuccessStatusCode)
            {
                return new RobotsResult(RobotsRules.AllowAll, null);
            }

            // RFC 9309 asks crawlers to read at least 500 KiB; what is past it is ignored.
            byte[]? bytes = await ReadBoundedAsync(response.Content, deadline.Token).ConfigureAwait(false);
            string text = bytes is null ? "" : System.Text.Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 512 * 1024));
            return new RobotsResult(RobotsRules.Parse(text, _agent), null);
        }
        catch (Exception ex) when ((ex is HttpRequestException or IOException or OperationCanceledException or TimeoutRejectedException || IsBadAnswer(ex))
                                   && !cancellationToken.IsCancellationRequested)
        {
            if (Find<BlockedAddressException>(ex) is { } blocked)
            {
                return new RobotsResult(RobotsRules.Unreachable, blocked);
            }

            // No connection at all: the image requests will fail on their own and say why.
            string problem = Innermost(ex).Message;
            CrawlLogMessages.RobotsUnreachable(_logger, robotsUri, problem);
            return new RobotsResult(RobotsRules.AllowAll, null);
        }
    }

    public void Dispose()
    {
        _cpu.Dispose();
        foreach (SemaphoreSlim host in _hosts.Values)
        {
            host.Dispose();
        }
    }

    private static T? Find<T>(Exception? ex)
        where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);

    private sealed record RobotsResult(RobotsRules Rules, BlockedAddressException? Blocked);
}
