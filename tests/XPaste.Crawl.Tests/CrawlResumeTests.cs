using XPaste.Crawl;
using XPaste.Sharding;
using XPaste.Tests;

namespace XPaste.Crawl.Tests;

public sealed class CrawlResumeTests
{
    [Fact]
    public async Task A_crawl_stopped_midway_and_rerun_ends_identical_to_one_never_interrupted()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        List<CrawlItem> items = CrawlSite.Items(server, CrawlSite.MapDeterministic(server));
        using var whole = new TempFolder();
        using var resumed = new TempFolder();
        CrawlOptions sequential = CrawlSite.FastOptions();
        sequential.MaxConcurrency = sequential.MaxConcurrencyPerHost = 1;
        using (var crawler = ImageCrawler.Create(sequential))
        {
            await crawler.RunAsync(items, whole.Path);
        }

        // Interrupted after 7 URLs, with many downloads in flight.
        using (var crawler = ImageCrawler.Create(CrawlSite.FastOptions()))
        using (var cts = new CancellationTokenSource())
        {
            var progress = new SynchronousProgress(p =>
            {
                if (p.Done >= 7)
                {
                    cts.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => crawler.RunAsync(items, resumed.Path, progress, cts.Token));
        }

        string log = Path.Combine(resumed.Path, "crawl.jsonl");
        int settled = CrawlLog.ReadAll(log).Count;
        Assert.InRange(settled, 7, items.Count - 1);
        // What a kill can leave besides: a torn last line, an image written before its line, a temporary file.
        File.AppendAllText(log, "{\"index\":" + settled + ",\"url\":\"http://torn");
        File.WriteAllBytes(Path.Combine(resumed.Path, "cat", "0009.jpg"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(resumed.Path, "cat", ".tmp-0009.jpg-0123"), [1, 2]);

        CrawlSummary summary;
        using (var crawler = ImageCrawler.Create(CrawlSite.FastOptions()))
        {
            summary = await crawler.RunAsync(items, resumed.Path);
        }

        Assert.Equal(settled, summary.Resumed);
        Assert.Equal(items.Count, summary.Done);
        Assert.Equal(CrawlSite.Snapshot(whole.Path), CrawlSite.Snapshot(resumed.Path));
        CrawlSite.AssertConsistent(resumed.Path, CrawlLog.ReadAll(log));
    }

    [Fact]
    public async Task A_kept_image_lost_in_a_crash_is_found_on_rerun_and_the_crawl_redone_from_there()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        List<CrawlItem> items = CrawlSite.Items(server, CrawlSite.MapDeterministic(server));
        using var folder = new TempFolder();
        using var crawler = ImageCrawler.Create(CrawlSite.FastOptions());
        await crawler.RunAsync(items, folder.Path);
        SortedDictionary<string, string> whole = CrawlSite.Snapshot(folder.Path);
        // Images are not fsynced one by one: after a power loss a logged image can be empty (the log line survived).
        File.WriteAllBytes(folder.File("cat", "0001.png"), []);
        File.Delete(folder.File("cat", "0003.jpg"));

        CrawlSummary summary = await crawler.RunAsync(items, folder.Path);

        Assert.Equal(1, summary.Resumed);
        Assert.Equal(whole, CrawlSite.Snapshot(folder.Path));
    }

    [Fact]
    public async Task A_rerun_of_a_finished_crawl_downloads_nothing()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        server.MapBytes("/a.jpg", TestImages.Drawn(100, 100, 1));
        List<CrawlItem> items = [new CrawlItem(0, server.Url("/a.jpg"), "a")];
        using var folder = new TempFolder();
        using var crawler = ImageCrawler.Create(CrawlSite.FastOptions());
        await crawler.RunAsync(items, folder.Path);
        int hits = server.Hits.Values.Sum();

        CrawlSummary again = await crawler.RunAsync(items, folder.Path);

        Assert.Equal(hits, server.Hits.Values.Sum());
        Assert.Equal((1, 1, 1), (again.Done, again.Resumed, again.Kept));
    }

    [Fact]
    public async Task A_log_that_does_not_match_the_list_is_refused()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        server.MapBytes("/a.jpg", TestImages.Drawn(100, 100, 1));
        using var folder = new TempFolder();
        using var crawler = ImageCrawler.Create(CrawlSite.FastOptions());
        await crawler.RunAsync([new CrawlItem(0, server.Url("/a.jpg"), "a")], folder.Path);

        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => crawler.RunAsync([new CrawlItem(0, server.Url("/b.jpg"), "a")], folder.Path));

        Assert.Contains("crawl.jsonl", ex.Input, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Images_already_in_a_folder_without_a_log_are_never_overwritten()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        server.MapBytes("/a.jpg", TestImages.Drawn(100, 100, 1));
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("a"));
        File.WriteAllBytes(folder.File("a", "0000.jpg"), [42]);
        using var crawler = ImageCrawler.Create(CrawlSite.FastOptions());

        await Assert.ThrowsAsync<InvalidInputException>(() => crawler.RunAsync([new CrawlItem(0, server.Url("/a.jpg"), "a")], folder.Path));

        Assert.Equal([42], File.ReadAllBytes(folder.File("a", "0000.jpg")));
    }

    [Fact]
    public async Task Shards_split_the_categories_and_together_crawl_everything_once()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        string[] categories = ["person", "dog", "cat", "traffic light", "zebra"];
        var items = new List<CrawlItem>();
        for (int i = 0; i < categories.Length; i++)
        {
            server.MapBytes($"/{i}.jpg", TestImages.Drawn(100, 100, 300 + i));
            items.Add(new CrawlItem(i, server.Url($"/{i}.jpg"), categories[i]));
        }

        using var folder = new TempFolder();
        var crawled = new List<string>();
        for (int k = 0; k < 3; k++)
        {
            CrawlOptions options = CrawlSite.FastOptions();
            options.Shard = new ShardSpec(k, 3);
            using var crawler = ImageCrawler.Create(options);
            CrawlSummary summary = await crawler.RunAsync(items, folder.Path);
            Assert.EndsWith($"crawl.shard-{k}-of-3.jsonl", summary.LogPath, StringComparison.Ordinal);
            crawled.AddRange(CrawlLog.ReadAll(summary.LogPath).Select(r => r.Category));
        }

        Assert.Equal(categories.Order(StringComparer.Ordinal), crawled.Order(StringComparer.Ordinal));
        Assert.All(categories, c => Assert.True(File.Exists(folder.File(c, "0000.jpg")), c));
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool, too late to stop on time).</summary>
    private sealed class SynchronousProgress(Action<CrawlProgress> report) : IProgress<CrawlProgress>
    {
        public void Report(CrawlProgress value) => report(value);
    }
}
