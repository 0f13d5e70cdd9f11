using XPaste.Crawl;

namespace XPaste.Crawl.Tests;

/// <summary>Which logged outcomes a rerun fetches again (the rules behind <c>xpaste crawl</c>'s reruns).</summary>
public sealed class CrawlRetryRulesTests
{
    [Theory]
    [InlineData("timeout", true)]
    [InlineData("network", true)]
    [InlineData("http-408", true)]
    [InlineData("http-429", true)]
    [InlineData("http-500", true)]
    [InlineData("http-503", true)]
    [InlineData("http-404", false)]
    [InlineData("http-410", false)]
    [InlineData("http-403", false)]
    [InlineData("not-an-image", false)]
    [InlineData("too-large", false)]
    [InlineData("blocked-address", false)]
    [InlineData(null, false)]
    public void Transient_reasons_are_timeouts_network_errors_408_429_and_5xx(string? reason, bool transient) =>
        Assert.Equal(transient, CrawlReasons.IsTransient(reason));

    [Fact]
    public void Transient_failures_wait_until_the_crawl_finished_but_explicit_retries_do_not()
    {
        var timeout = new CrawlRecord { Index = 0, Url = "http://example.com/a.jpg", Category = "dog", Status = CrawlStatus.Failed, Reason = "timeout" };
        Assert.False(CrawlState.ShouldRetry(timeout, 1, new CrawlOptions(), finished: false));
        Assert.True(CrawlState.ShouldRetry(timeout, 1, new CrawlOptions(), finished: true));
        Assert.True(CrawlState.ShouldRetry(timeout, 1, new CrawlOptions { RetryFailed = true }, finished: false));
        var blocked = timeout with { Reason = "blocked-address" };
        Assert.True(CrawlState.ShouldRetry(blocked, 1, new CrawlOptions { AllowPrivateAddresses = true }, finished: false));
    }

    [Theory]
    // status, reason, attempts so far, max attempts, retry failed, allow private -> fetched again
    [InlineData(CrawlStatus.Failed, "timeout", 1, 3, false, false, true)]
    [InlineData(CrawlStatus.Failed, "timeout", 3, 3, false, false, false)]
    [InlineData(CrawlStatus.Failed, "http-503", 2, 3, false, false, true)]
    [InlineData(CrawlStatus.Failed, "http-404", 1, 3, false, false, false)]
    [InlineData(CrawlStatus.Failed, "http-404", 5, 3, true, false, true)]
    [InlineData(CrawlStatus.Failed, "blocked-address", 1, 3, false, false, false)]
    [InlineData(CrawlStatus.Failed, "blocked-address", 7, 3, false, true, true)]
    [InlineData(CrawlStatus.Kept, null, 1, 3, true, true, false)]
    [InlineData(CrawlStatus.Duplicate, "exact-duplicate", 1, 3, true, false, false)]
    [InlineData(CrawlStatus.OptedOut, "robots-txt", 1, 3, true, false, false)]
    [InlineData(CrawlStatus.Filtered, "too-small", 1, 3, true, false, false)]
    public void A_rerun_retries_transient_and_newly_allowed_failures_and_with_retry_failed_every_failure(
        CrawlStatus status, string? reason, int attempts, int maxAttempts, bool retryFailed, bool allowPrivate, bool expected)
    {
        var record = new CrawlRecord { Index = 0, Url = "http://example.com/a.jpg", Category = "dog", Status = status, Reason = reason };
        var options = new CrawlOptions { MaxAttemptsPerUrl = maxAttempts, RetryFailed = retryFailed, AllowPrivateAddresses = allowPrivate };
        Assert.Equal(expected, CrawlState.ShouldRetry(record, attempts, options));
    }
}
