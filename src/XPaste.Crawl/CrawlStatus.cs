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
