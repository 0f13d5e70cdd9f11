using System.Text.Json.Serialization;

namespace XPaste.Crawl;

/// <summary>How a URL ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CrawlStatus>))]
public enum CrawlStatus
{
    /// <summary>Downloaded, checked and stored as <c>{category}/{k:04d}.jpg|png</c>.</summary>
    [JsonStringEnumMemberName("kept")]
    Kept,

    /// <summary>An exact or near copy of an image already kept in the category.</summary>
    [JsonStringEnumMemberName("duplicate")]
    Duplicate,

    /// <summary>A usable image that fails the size or aspect filter.</summary>
    [JsonStringEnumMemberName("filtered")]
    Filtered,

    /// <summary>The site opted out: robots.txt disallows the path, or <c>X-Robots-Tag</c> says noai/noimageai.</summary>
    [JsonStringEnumMemberName("opted-out")]
    OptedOut,

    /// <summary>Not downloaded or not a usable image (HTTP error, timeout, too large, corrupt, blocked address, ...).</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,
}

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

/// <summary>One line of the crawl log (<c>crawl.jsonl</c>): how one URL ended, with its provenance.</summary>
public sealed record CrawlRecord
{
    /// <summary>The URL's position in the list.</summary>
    [JsonPropertyName("index")]
    public required int Index { get; init; }

    /// <summary>The URL as listed.</summary>
    [JsonPropertyName("url")]
    public required string Url { get; init; }

    /// <summary>The category.</summary>
    [JsonPropertyName("category")]
    public required string Category { get; init; }

    /// <summary>How it ended.</summary>
    [JsonPropertyName("status")]
    public required CrawlStatus Status { get; init; }

    /// <summary>Why, unless kept (a <see cref="CrawlReasons"/> value).</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    /// <summary>A sentence on the failure, if any.</summary>
    [JsonPropertyName("detail")]
    public string? Detail { get; init; }

    /// <summary>The last HTTP status received, if any.</summary>
    [JsonPropertyName("http")]
    public int? HttpStatus { get; init; }

    /// <summary>The URL after redirects.</summary>
    [JsonPropertyName("final_url")]
    public string? FinalUrl { get; init; }

    /// <summary>The licence from the list.</summary>
    [JsonPropertyName("license")]
    public string? License { get; init; }

    /// <summary>The caption from the list.</summary>
    [JsonPropertyName("caption")]
    public string? Caption { get; init; }

    /// <summary>The stored file, relative to the output folder, when kept.</summary>
    [JsonPropertyName("file")]
    public string? File { get; init; }

    /// <summary>For a duplicate: the kept file it duplicates.</summary>
    [JsonPropertyName("duplicate_of")]
    public string? DuplicateOf { get; init; }

    /// <summary>SHA-256 of the downloaded bytes, lowercase hex.</summary>
    [JsonPropertyName("sha256")]
    public string? Sha256 { get; init; }

    /// <summary>SHA-256 of the stored file when it differs from the download (re-encoded or resized).</summary>
    [JsonPropertyName("stored_sha256")]
    public string? StoredSha256 { get; init; }

    /// <summary>The 64-bit perceptual hash, 16 lowercase hex digits.</summary>
    [JsonPropertyName("phash")]
    public string? PerceptualHash { get; init; }

    /// <summary>Width of the stored image (or of the decoded one when not kept).</summary>
    [JsonPropertyName("width")]
    public int? Width { get; init; }

    /// <summary>Height of the stored image (or of the decoded one when not kept).</summary>
    [JsonPropertyName("height")]
    public int? Height { get; init; }

    /// <summary>
    /// Which try of this URL the record is: 1 for the first run that settled it; a failure retried by a later run (see
    /// <see cref="CrawlOptions.MaxAttemptsPerUrl"/>) gets a new record with the next number, and the last one counts.
    /// Absent in logs written before retries (read as 1).
    /// </summary>
    [JsonPropertyName("attempt")]
    public int? Attempt { get; init; }

    /// <summary>Bytes downloaded.</summary>
    [JsonPropertyName("bytes")]
    public long? Bytes { get; init; }
}
