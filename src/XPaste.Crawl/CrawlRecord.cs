using System.Text.Json.Serialization;

namespace XPaste.Crawl;

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
