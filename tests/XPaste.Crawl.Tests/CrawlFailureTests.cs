using Microsoft.AspNetCore.Http;
using XPaste.Crawl;
using XPaste.Tests;

namespace XPaste.Crawl.Tests;

/// <summary>Whatever one server answers is that URL's outcome: recorded, and the crawl goes on.</summary>
public sealed class CrawlFailureTests
{
    [Fact]
    public async Task Redirects_to_other_schemes_and_malformed_locations_are_each_their_urls_outcome()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        string[] targets = ["ftp://example.com/a.jpg", "file:///etc/passwd", "javascript:alert(1)", "data:image/png;base64,iVBORw0KGgo=", "gopher://x/1", "http://[::1", "http://exa mple.com/a b.jpg", "\u00e9\u00e9://x", "//"];
        for (int i = 0; i < targets.Length; i++)
        {
            string to = targets[i];
            server.Map($"/r/{i}", context =>
            {
                context.Response.StatusCode = 302;
                context.Response.Headers.Location = to;
                return Task.CompletedTask;
            });
        }

        server.MapBytes("/img/ok.jpg", TestImages.Drawn(200, 160, 3));
        var items = Enumerable.Range(0, targets.Length).Select(i => new CrawlItem(i, server.Url($"/r/{i}"), "cat"))
            .Append(new CrawlItem(targets.Length, server.Url("/img/ok.jpg"), "cat")).ToList();
        using var folder = new TempFolder();

        CrawlSummary summary;
        using (var crawler = ImageCrawler.Create(CrawlSite.FastOptions()))
        {
            summary = await crawler.RunAsync(items, folder.Path);
        }

        IReadOnlyList<CrawlRecord> records = CrawlLog.ReadAll(summary.LogPath);
        Assert.Equal(items.Count, records.Count);
        for (int i = 0; i < targets.Length; i++)
        {
            Assert.True(records[i].Status == CrawlStatus.Failed, $"{targets[i]}: {records[i].Status} {records[i].Reason} {records[i].Detail}");
            Assert.True(records[i].Reason is CrawlReasons.BadResponse or CrawlReasons.UnsupportedRedirect or "http-500",
                $"{targets[i]}: {records[i].Reason} ({records[i].Detail})");
        }

        Assert.Equal(CrawlReasons.UnsupportedRedirect, records[0].Reason);
        Assert.Equal(CrawlReasons.BadResponse, records[5].Reason);
        Assert.Equal(CrawlStatus.Kept, records[^1].Status);
    }

    [Theory]
    [InlineData("crawl.jsonl", "the crawl's log files are named like this")]
    [InlineData("crawl.shard-0-of-2.jsonl", "the crawl's log files are named like this")]
    [InlineData("NUL", "'NUL' is a reserved device name on Windows")]
    [InlineData("com1.txt", "'com1' is a reserved device name on Windows")]
    [InlineData("dots.", "ends with a space or a dot")]
    [InlineData("tab\there", "no path separators, colons or control characters")]
    public async Task Category_names_the_layout_or_a_file_system_cannot_take_are_refused_naming_the_line(string category, string problem)
    {
        using var folder = new TempFolder();
        string list = folder.File("list.csv");
        File.WriteAllText(list, $"url,category\nhttp://a.example/1.jpg,cat\nhttp://a.example/2.jpg,\"{category}\"\n");

        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => UrlList.ReadAsync(list));

        Assert.Equal($"{list}: line 3", ex.Input);
        Assert.Contains(problem, ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_name_within_the_character_limit_but_over_255_bytes_is_refused_up_front_naming_the_line()
    {
        using var folder = new TempFolder();
        string name = new('\u00e9', 130); // 130 characters, 260 UTF-8 bytes
        string list = folder.File("list.csv");
        File.WriteAllText(list, $"url,category\nhttp://a.example/1.jpg,{name}\n");

        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => UrlList.ReadAsync(list));
        Assert.Equal($"{list}: line 2", ex.Input);
        Assert.Contains("260 UTF-8 bytes, over the file-system limit of 255", ex.Problem, StringComparison.Ordinal);

        // A caller's own items are checked before anything is fetched or written.
        using var crawler = ImageCrawler.Create(CrawlSite.FastOptions());
        var items = new List<CrawlItem> { new(0, "http://127.0.0.1:9/a.jpg", "cat"), new(1, "http://127.0.0.1:9/b.jpg", name) };
        ex = await Assert.ThrowsAsync<InvalidInputException>(() => crawler.RunAsync(items, folder.File("out")));
        Assert.Contains("over the file-system limit", ex.Problem, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("out", "cat")));
    }

    [Fact]
    public async Task Malformed_parquet_is_refused_naming_the_file_and_where()
    {
        using var folder = new TempFolder();
        string path = folder.File("list.parquet");
        await Parquet.Serialization.ParquetSerializer.SerializeAsync(
            Enumerable.Range(0, 50).Select(i => new UrlListFuzzTests.Row { url = $"http://a.example/{i}.jpg", category = "cat" }), path);
        byte[] bytes = File.ReadAllBytes(path);

        // The footer's length says more than the file holds; then the magic bytes are wrong; then the data pages are garbage.
        foreach (Func<byte[], byte[]> damage in new Func<byte[], byte[]>[]
        {
            b => [.. b[..^8], .. BitConverter.GetBytes(int.MaxValue), .. b[^4..]],
            b => [.. b[..^4], .. "PAR2"u8.ToArray()],
            b => [.. b[..4], .. Enumerable.Repeat((byte)0xFF, 64), .. b[68..]],
            b => b[..(b.Length / 2)],
        })
        {
            File.WriteAllBytes(path, damage(bytes));
            var ex = await Assert.ThrowsAsync<InvalidInputException>(() => UrlList.ReadAsync(path));
            Assert.StartsWith(path, ex.Input, StringComparison.Ordinal);
            Assert.Contains("parquet", ex.Problem, StringComparison.Ordinal);
        }
    }
}
