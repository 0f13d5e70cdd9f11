using XPaste.Imaging;
using XPaste.Sharding;

namespace XPaste.Crawl;

/// <summary>Options for <see cref="ImageCrawler"/>; checked by <see cref="CrawlOptionsValidator"/>.</summary>
public sealed class CrawlOptions
{
    /// <summary>The name of the <see cref="System.Net.Http.HttpClient"/> the crawler asks <see cref="System.Net.Http.IHttpClientFactory"/> for.</summary>
    public const string HttpClientName = "XPaste.Crawl";

    /// <summary>
    /// The User-Agent header: names the tool so site owners can identify and block it (add your contact for large
    /// crawls). Its first product token (before the slash) is the name matched against robots.txt groups.
    /// </summary>
    public string UserAgent { get; set; } = "xpaste-crawl/1.0 (X-Paste image crawler; obeys robots.txt and X-Robots-Tag noai)";

    /// <summary>Downloads in flight at once, all hosts together. Default 64.</summary>
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>Downloads in flight at once to one host (scheme, name and port). Default 8.</summary>
    public int MaxConcurrencyPerHost { get; set; } = 8;

    /// <summary>Time for one attempt to get the response headers. Default 10 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time for one URL from the first request to the body's last byte, retries included. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after a 408, 429, 5xx or network error (0 disables). Default 2.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>First retry delay; doubles on each further retry, with jitter. Default 500 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait a server's <c>Retry-After</c> (or the backoff) may impose before a retry. Default 30 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Redirects followed for one URL; more is a failure. Default 5.</summary>
    public int MaxRedirects { get; set; } = 5;

    /// <summary>Largest body read for one image; reading stops past it. Default 20 MiB.</summary>
    public long MaxImageBytes { get; set; } = 20L << 20;

    /// <summary>
    /// Allow hosts that resolve to loopback, private (RFC 1918, unique-local), link-local, CGNAT or unspecified
    /// addresses. Off by default so an untrusted URL list cannot reach internal services; tests turn it on.
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Read and obey each host's robots.txt (cached per host). Default true.</summary>
    public bool RespectRobotsTxt { get; set; } = true;

    /// <summary>
    /// <c>X-Robots-Tag</c> directives that opt an image out (compared case-insensitively); empty to ignore the header.
    /// Default <c>noai</c> and <c>noimageai</c>.
    /// </summary>
    public IReadOnlyList<string> OptOutDirectives { get; set; } = ["noai", "noimageai"];

    /// <summary>Decoding limits (the pixel-count limit stops decompression bombs before pixels are allocated).</summary>
    public ImageLoadOptions ImageLimits { get; set; } = new() { MaxPixels = 50_000_000 };

    /// <summary>Images whose shorter side is below this are filtered out. Default 64.</summary>
    public int MinSide { get; set; } = 64;

    /// <summary>Images whose long side / short side exceeds this are filtered out. Default 4.</summary>
    public double MaxAspectRatio { get; set; } = 4;

    /// <summary>When set, images whose longer side exceeds it are scaled down to it (and re-encoded). Default none.</summary>
    public int? ResizeLongerSide { get; set; }

    /// <summary>JPEG quality for re-encoded images. Default 95.</summary>
    public int JpegQuality { get; set; } = 95;

    /// <summary>Drop images whose SHA-256 matches an image already kept in the same category. Default true.</summary>
    public bool DeduplicateExact { get; set; } = true;

    /// <summary>
    /// Drop images whose 64-bit perceptual hash is within this Hamming distance of one already kept in the same
    /// category (resized or re-encoded copies are usually within 4); -1 disables. Default 6.
    /// </summary>
    public int NearDuplicateDistance { get; set; } = 6;

    /// <summary>Only categories of this shard are crawled. Default all.</summary>
    public ShardSpec Shard { get; set; } = ShardSpec.Whole;

    /// <summary>
    /// How many runs may try one URL whose failure may pass (a timeout, a network error, 5xx, 429, 408: see
    /// <see cref="CrawlReasons.IsTransient"/>): a rerun into the same folder tries it again until this many attempts are
    /// logged. Only a rerun of a finished crawl retries (an interrupted one first resumes exactly as if it had not been
    /// stopped). Permanent outcomes (kept, duplicate, filtered, opted out, 404, not an image, ...) are never retried.
    /// Default 3.
    /// </summary>
    public int MaxAttemptsPerUrl { get; set; } = 3;

    /// <summary>
    /// Retry every URL that failed in an earlier run (404 and other permanent failures too), whatever its attempts.
    /// Kept, duplicate, filtered and opted-out URLs are still never fetched again. Default false.
    /// </summary>
    public bool RetryFailed { get; set; }

    /// <summary>Stop after this many URLs have been settled (counting earlier runs). Default no limit.</summary>
    public int? MaxItems { get; set; }
}
