namespace XPaste.Crawl;

/// <summary>The reasons recorded with a status other than <see cref="CrawlStatus.Kept"/>.</summary>
public static class CrawlReasons
{
    /// <summary>Not an absolute http or https URL.</summary>
    public const string InvalidUrl = "invalid-url";

    /// <summary>The host resolves only to loopback, private or link-local addresses.</summary>
    public const string BlockedAddress = "blocked-address";

    /// <summary>No response or no complete body within the timeout.</summary>
    public const string Timeout = "timeout";

    /// <summary>A connection or protocol error after the retries.</summary>
    public const string Network = "network";

    /// <summary>More redirects than allowed.</summary>
    public const string TooManyRedirects = "too-many-redirects";

    /// <summary>A redirect to a scheme other than http or https (ftp:, file:, data:, ...), which is never followed.</summary>
    public const string UnsupportedRedirect = "unsupported-redirect";

    /// <summary>The server's answer cannot be followed or read (a malformed redirect target or header).</summary>
    public const string BadResponse = "bad-response";

    /// <summary>The body is longer than <see cref="CrawlOptions.MaxImageBytes"/>.</summary>
    public const string TooLarge = "too-large";

    /// <summary>The body is not an image (an HTML page served as one, for example).</summary>
    public const string NotAnImage = "not-an-image";

    /// <summary>The image is truncated or corrupt.</summary>
    public const string Corrupt = "corrupt";

    /// <summary>Width x height exceeds the pixel limit (a decompression bomb, or just huge).</summary>
    public const string TooManyPixels = "too-many-pixels";

    /// <summary>The shorter side is below <see cref="CrawlOptions.MinSide"/>.</summary>
    public const string TooSmall = "too-small";

    /// <summary>The aspect ratio exceeds <see cref="CrawlOptions.MaxAspectRatio"/>.</summary>
    public const string AspectRatio = "aspect-ratio";

    /// <summary>robots.txt disallows the URL (or could not be read because of a server error).</summary>
    public const string RobotsTxt = "robots-txt";

    /// <summary>The response carries an opt-out <c>X-Robots-Tag</c>.</summary>
    public const string XRobotsTag = "x-robots-tag";

    /// <summary>Same bytes (SHA-256) as an image already kept in the category.</summary>
    public const string ExactDuplicate = "exact-duplicate";

    /// <summary>Perceptual hash within the threshold of an image already kept in the category.</summary>
    public const string NearDuplicate = "near-duplicate";

    /// <summary>
    /// Whether a failure with this reason may pass on its own, so that a later run tries the URL again: a timeout, a
    /// network error, HTTP 408, 429 or 5xx. Everything else (404, 410, not an image, too large, ...) is permanent.
    /// <see cref="BlockedAddress"/> is neither: it is retried when a run allows private addresses.
    /// </summary>
    /// <param name="reason">A <see cref="CrawlReasons"/> value.</param>
    /// <returns>True for a transient failure.</returns>
    public static bool IsTransient(string? reason) => reason switch
    {
        Timeout or Network or "http-408" or "http-429" => true,
        { Length: 8 } when reason.StartsWith("http-5", StringComparison.Ordinal) => true,
        _ => false,
    };

    /// <summary>An HTTP error status: <c>http-404</c>, <c>http-500</c>, ...</summary>
    /// <param name="status">The status code.</param>
    /// <returns>The reason text.</returns>
    public static string Http(int status) => $"http-{status}";
}
