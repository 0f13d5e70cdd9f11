using System.Diagnostics;
using XPaste.Crawl;
using XPaste.Tests;

namespace XPaste.Crawl.Tests;

public sealed class ImageCrawlerTests
{
    [Fact]
    public async Task Every_case_of_the_site_ends_in_its_status_and_nothing_is_half_written()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        List<SiteCase> cases = CrawlSite.MapDeterministic(server);
        using var folder = new TempFolder();

        CrawlSummary summary;
        using (var crawler = ImageCrawler.Create(CrawlSite.FastOptions()))
        {
            summary = await crawler.RunAsync(CrawlSite.Items(server, cases), folder.Path);
        }

        IReadOnlyList<CrawlRecord> records = CrawlLog.ReadAll(summary.LogPath);
        Assert.Equal(cases.Count, records.Count);
        for (int i = 0; i < cases.Count; i++)
        {
            SiteCase expected = cases[i];
            CrawlRecord actual = records[i];
            Assert.Equal(i, actual.Index);
            Assert.True(expected.Status == actual.Status && expected.Reason == actual.Reason,
                $"{expected.Path} ({expected.Category}): expected {expected.Status} {expected.Reason}, got {actual.Status} {actual.Reason} ({actual.Detail})");
            Assert.Equal(expected.File, actual.File);
            Assert.Equal("CC0-1.0", actual.License);
        }

        CrawlRecord copy = records.Single(r => r.Reason == CrawlReasons.ExactDuplicate);
        Assert.Equal("cat/0000.jpg", copy.DuplicateOf);
        Assert.Equal(records[0].Sha256, copy.Sha256);
        Assert.Equal("cat/0000.jpg", records.Single(r => r.Reason == CrawlReasons.NearDuplicate).DuplicateOf);
        Assert.EndsWith("/img/rocket.jpg", records.Single(r => r.Url.EndsWith("/redirect/to-rocket", StringComparison.Ordinal)).FinalUrl, StringComparison.Ordinal);
        // Stored as downloaded when no re-encoding is needed: the file's hash is the download's.
        Assert.Equal(CrawlSite.Chelsea, File.ReadAllBytes(folder.File("cat", "0000.jpg")));
        // 500 is retried (MaxRetries = 2) before it counts as a failure; a 404 is not retried.
        Assert.Equal(3, server.Hits["/error/500"]);
        Assert.Equal(1, server.Hits["/img/missing.jpg"]);
        // robots.txt is read once per host; the disallowed path is never requested.
        Assert.Equal(1, server.Hits["/robots.txt"]);
        Assert.False(server.Hits.ContainsKey("/private/secret.jpg"));
        Assert.Equal(6, summary.Kept);
        Assert.Equal(new Dictionary<string, int> { ["cat"] = 5, ["dog"] = 1 }, summary.KeptByCategory);
        CrawlSite.AssertConsistent(folder.Path, records);
    }

    [Fact]
    public async Task A_500_then_200_is_retried_and_a_429_waits_for_its_Retry_After()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        byte[] image = TestImages.Drawn(160, 120, 21);
        byte[] other = TestImages.Drawn(160, 120, 22);
        int flaky = 0, limited = 0;
        server.Map("/flaky.jpg", async context =>
        {
            if (Interlocked.Increment(ref flaky) == 1)
            {
                context.Response.StatusCode = 503;
                return;
            }

            await context.Response.Body.WriteAsync(image);
        });
        server.Map("/limited.jpg", async context =>
        {
            if (Interlocked.Increment(ref limited) == 1)
            {
                context.Response.StatusCode = 429;
                context.Response.Headers.RetryAfter = "1";
                return;
            }

            await context.Response.Body.WriteAsync(other);
        });
        using var folder = new TempFolder();
        // The URL's deadline must outlast the 1 s Retry-After even on a loaded machine (the other tests run beside it).
        CrawlOptions options = CrawlSite.FastOptions();
        options.RequestTimeout = TimeSpan.FromSeconds(20);
        options.AttemptTimeout = TimeSpan.FromSeconds(10);
        using var crawler = ImageCrawler.Create(options);

        CrawlSummary summary = await crawler.RunAsync(
            [new CrawlItem(0, server.Url("/flaky.jpg"), "a"), new CrawlItem(1, server.Url("/limited.jpg"), "a")], folder.Path);

        IReadOnlyList<CrawlRecord> records = CrawlLog.ReadAll(summary.LogPath);
        Assert.All(records, r => Assert.Equal(CrawlStatus.Kept, r.Status));
        Assert.All(records, r => Assert.Equal(200, r.HttpStatus));
        Assert.Equal(2, flaky);
        Assert.Equal(2, limited);
        DateTime[] times = [.. server.HitTimes["/limited.jpg"]];
        // The backoff alone would retry after ~20 ms; the server asked for 1 s.
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(900), $"retried after {(times[1] - times[0]).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_body_slower_than_the_timeout_fails_as_a_timeout_without_waiting_for_the_server()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        server.Map("/slow.jpg", async context =>
        {
            context.Response.ContentType = "image/jpeg";
            context.Response.ContentLength = 100_000;
            await context.Response.Body.WriteAsync(new byte[100], context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        });
        using var folder = new TempFolder();
        CrawlOptions options = CrawlSite.FastOptions();
        options.AttemptTimeout = options.RequestTimeout = TimeSpan.FromSeconds(1);
        using var crawler = ImageCrawler.Create(options);
        var stopwatch = Stopwatch.StartNew();

        CrawlSummary summary = await crawler.RunAsync([new CrawlItem(0, server.Url("/slow.jpg"), "a")], folder.Path);

        CrawlRecord record = Assert.Single(CrawlLog.ReadAll(summary.LogPath));
        Assert.Equal(CrawlStatus.Failed, record.Status);
        Assert.Equal(CrawlReasons.Timeout, record.Reason);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), stopwatch.Elapsed.ToString());
        Assert.False(Directory.Exists(folder.File("a")));
    }

    [Fact]
    public async Task With_the_guard_on_a_host_resolving_to_a_private_address_is_never_contacted()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        server.MapBytes("/a.jpg", TestImages.Drawn(100, 100, 1));
        string port = new Uri(server.BaseUrl).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var folder = new TempFolder();
        CrawlOptions options = CrawlSite.FastOptions();
        options.AllowPrivateAddresses = false;
        using var crawler = ImageCrawler.Create(options);

        CrawlSummary summary = await crawler.RunAsync(
        [
            new CrawlItem(0, server.Url("/a.jpg"), "a"),
            new CrawlItem(1, $"http://localhost:{port}/a.jpg", "a"),
            new CrawlItem(2, "file:///etc/passwd", "a"),
        ], folder.Path);

        IReadOnlyList<CrawlRecord> records = CrawlLog.ReadAll(summary.LogPath);
        Assert.Equal([CrawlReasons.BlockedAddress, CrawlReasons.BlockedAddress, CrawlReasons.InvalidUrl], records.Select(r => r.Reason));
        Assert.Empty(server.Hits);
    }

    [Fact]
    public async Task Concurrency_per_host_stays_within_its_limit()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        var items = new List<CrawlItem>();
        for (int i = 0; i < 16; i++)
        {
            byte[] image = TestImages.Drawn(96, 96, 100 + i);
            server.Map($"/{i}.jpg", async context =>
            {
                await Task.Delay(100);
                await context.Response.Body.WriteAsync(image);
            });
            items.Add(new CrawlItem(i, server.Url($"/{i}.jpg"), "a"));
        }

        using var folder = new TempFolder();
        CrawlOptions options = CrawlSite.FastOptions();
        options.MaxConcurrency = 16;
        options.MaxConcurrencyPerHost = 3;
        options.NearDuplicateDistance = -1;
        using var crawler = ImageCrawler.Create(options);

        CrawlSummary summary = await crawler.RunAsync(items, folder.Path);

        Assert.Equal(16, summary.Kept);
        Assert.InRange(server.MaxInFlight, 2, 3);
        // Numbering follows the list, not the order downloads finished in.
        IReadOnlyList<CrawlRecord> records = CrawlLog.ReadAll(summary.LogPath);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => $"a/{i:D4}.jpg"), records.Select(r => r.File));
    }

    [Fact]
    public async Task Resize_scales_the_longer_side_down_and_reencodes()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        server.MapBytes("/big.png", TestImages.Drawn(400, 200, 3, SkiaSharp.SKEncodedImageFormat.Png), "image/png");
        using var folder = new TempFolder();
        CrawlOptions options = CrawlSite.FastOptions();
        options.ResizeLongerSide = 100;
        using var crawler = ImageCrawler.Create(options);

        CrawlSummary summary = await crawler.RunAsync([new CrawlItem(0, server.Url("/big.png"), "a")], folder.Path);

        CrawlRecord record = Assert.Single(CrawlLog.ReadAll(summary.LogPath));
        // The PNG has an alpha channel, so it stays a PNG.
        Assert.Equal("a/0000.png", record.File);
        Assert.Equal((100, 50), (record.Width!.Value, record.Height!.Value));
        using var decoded = SkiaSharp.SKBitmap.Decode(folder.File("a", "0000.png"));
        Assert.Equal((100, 50), (decoded.Width, decoded.Height));
    }

    [Fact]
    public async Task Invalid_options_are_refused_with_every_problem_named()
    {
        var options = new CrawlOptions { MaxConcurrency = 0, MinSide = 0, NearDuplicateDistance = 70 };

        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => ImageCrawler.Create(options));

        Assert.Contains(ex.Failures, f => f.Contains("MaxConcurrency", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("MinSide", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("NearDuplicateDistance", StringComparison.Ordinal));
        await Task.CompletedTask;
    }
}
