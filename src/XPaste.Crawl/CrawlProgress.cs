namespace XPaste.Crawl;

/// <summary>Where a crawl stands; reported after each URL is settled.</summary>
/// <param name="Total">URLs of this shard in the list.</param>
/// <param name="Done">URLs settled, earlier runs included.</param>
/// <param name="Kept">Images kept, earlier runs included.</param>
/// <param name="ByReason">URLs not kept, by reason (earlier runs included).</param>
/// <param name="Elapsed">Time this run has taken so far.</param>
/// <param name="DoneThisRun">URLs settled by this run.</param>
public sealed record CrawlProgress(int Total, int Done, int Kept, IReadOnlyDictionary<string, int> ByReason, TimeSpan Elapsed, int DoneThisRun)
{
    /// <summary>URLs settled per second by this run.</summary>
    public double UrlsPerSecond => Elapsed.TotalSeconds > 0 ? DoneThisRun / Elapsed.TotalSeconds : 0;
}
