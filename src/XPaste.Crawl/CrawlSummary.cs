namespace XPaste.Crawl;

/// <summary>The outcome of a crawl run.</summary>
/// <param name="Total">URLs of this shard in the list.</param>
/// <param name="Done">URLs settled, earlier runs included.</param>
/// <param name="Resumed">URLs that earlier runs had settled (skipped by this one).</param>
/// <param name="Kept">Images kept, earlier runs included.</param>
/// <param name="ByStatus">URLs by status, earlier runs included.</param>
/// <param name="ByReason">URLs not kept, by reason, earlier runs included.</param>
/// <param name="KeptByCategory">Images kept per category.</param>
/// <param name="Elapsed">Time this run took.</param>
/// <param name="LogPath">The crawl log.</param>
public sealed record CrawlSummary(
    int Total,
    int Done,
    int Resumed,
    int Kept,
    IReadOnlyDictionary<CrawlStatus, int> ByStatus,
    IReadOnlyDictionary<string, int> ByReason,
    IReadOnlyDictionary<string, int> KeptByCategory,
    TimeSpan Elapsed,
    string LogPath)
{
    /// <summary>URLs settled per second by this run.</summary>
    public double UrlsPerSecond => Elapsed.TotalSeconds > 0 ? (Done - Resumed) / Elapsed.TotalSeconds : 0;

    /// <summary>URLs that failed in earlier runs and this run tried again (see <see cref="CrawlOptions.MaxAttemptsPerUrl"/>, <see cref="CrawlOptions.RetryFailed"/>).</summary>
    public int Retried { get; init; }
}
