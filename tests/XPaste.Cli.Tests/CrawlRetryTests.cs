using System.Text.Json;
using XPaste.Crawl.Tests;
using XPaste.Tests;

namespace XPaste.Cli.Tests;

/// <summary>
/// What a rerun of <c>xpaste crawl</c> into the same folder settles and what it tries again: addresses the safety
/// policy blocked (named on the console with the option that allows them), transient failures, and with
/// <c>--retry-failed</c> every failure; kept images are never downloaded again.
/// </summary>
public sealed class CrawlRetryTests
{
    [Fact]
    public async Task Loopback_urls_without_the_flag_fail_naming_it_and_the_rerun_with_it_keeps_them()
    {
        using var server = new ListenerSite(TimeSpan.Zero);
        using var folder = new TempFolder();
        string list = List(folder, server, 3);
        string output = folder.File("out");

        CliResult blocked = await CliRunner.RunAsync(["crawl", "--urls", list, "--out", output, "--min-side", "32"]);
        Assert.Equal(ExitCodes.Failure, blocked.ExitCode);
        Assert.Contains("0 images kept", blocked.StdOut, StringComparison.Ordinal);
        Assert.Contains("blocked-address", blocked.StdOut, StringComparison.Ordinal);
        Assert.Matches(@"error: .*out: no image kept: 3 of 3 URLs were not fetched: .*--allow-private-addresses", blocked.StdErr);
        Assert.Equal(0, server.Hits("/img/0.jpg"));

        CliResult allowed = await CliRunner.RunAsync(["crawl", "--urls", list, "--out", output, "--min-side", "32", "--allow-private-addresses"]);
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Contains("3 of 3 URLs settled (0 by earlier runs), 3 images kept", allowed.StdOut, StringComparison.Ordinal);
        Assert.Contains("3 URLs that failed in earlier runs were tried again", allowed.StdErr, StringComparison.Ordinal);
        Assert.Equal(3, Directory.EnumerateFiles(Path.Combine(output, "dog"), "*.jpg").Count());
        Assert.All(LastRecords(output), r => Assert.Equal("kept", r.GetProperty("status").GetString()));

        // Kept is final: a third run downloads nothing.
        CliResult again = await CliRunner.RunAsync(["crawl", "--urls", list, "--out", output, "--min-side", "32", "--allow-private-addresses", "--retry-failed"]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("3 of 3 URLs settled (3 by earlier runs)", again.StdOut, StringComparison.Ordinal);
        Assert.Equal(1, server.Hits("/img/0.jpg"));
    }

    [Fact]
    public async Task A_url_that_timed_out_is_kept_on_the_rerun_a_404_is_not_retried_and_retry_failed_retries_it()
    {
        using var server = new ListenerSite(TimeSpan.Zero);
        using var folder = new TempFolder();
        string list = List(folder, server, 2);
        File.AppendAllLines(list, [$"{server.BaseUrl}/img/late.jpg,dog,"]);
        server.DelayFirstRequest("/img/1.jpg", TimeSpan.FromSeconds(4));
        string output = folder.File("out");
        string[] args = ["crawl", "--urls", list, "--out", output, "--min-side", "32", "--allow-private-addresses", "--timeout", "1.5", "--retries", "0"];

        CliResult first = await CliRunner.RunAsync(args);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("1 images kept", first.StdOut, StringComparison.Ordinal);
        Assert.Contains("timeout", first.StdOut, StringComparison.Ordinal);
        Assert.Contains("http-404", first.StdOut, StringComparison.Ordinal);
        Assert.Contains("run the same command again to retry them", first.StdErr, StringComparison.Ordinal);

        // The 404'd image appears on the site, but a 404 is final: the rerun retries only the timeout.
        server.Add("/img/late.jpg", TestImages.Drawn(120, 100, 999));
        CliResult second = await CliRunner.RunAsync(args);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("3 of 3 URLs settled (2 by earlier runs), 2 images kept", second.StdOut, StringComparison.Ordinal);
        Assert.Equal(2, server.Hits("/img/1.jpg"));
        Assert.Equal(1, server.Hits("/img/late.jpg"));
        Assert.Equal(1, server.Hits("/img/0.jpg"));
        JsonElement retried = LastRecords(output).Single(r => r.GetProperty("url").GetString()!.EndsWith("/img/1.jpg", StringComparison.Ordinal));
        Assert.Equal("kept", retried.GetProperty("status").GetString());
        Assert.Equal(2, retried.GetProperty("attempt").GetInt32());

        CliResult forced = await CliRunner.RunAsync([.. args, "--retry-failed"]);
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Contains("3 images kept", forced.StdOut, StringComparison.Ordinal);
        Assert.Equal(2, server.Hits("/img/late.jpg"));
        Assert.Equal(1, server.Hits("/img/0.jpg"));
        Assert.Equal(2, server.Hits("/img/1.jpg"));
    }

    [Fact]
    public async Task A_transient_failure_is_tried_at_most_max_attempts_times()
    {
        using var server = new ListenerSite(TimeSpan.Zero);
        using var folder = new TempFolder();
        string list = folder.File("urls.csv");
        File.WriteAllLines(list, ["url,category", $"{server.BaseUrl}/slow.jpg,dog"]);
        string output = folder.File("out");
        string[] args = ["crawl", "--urls", list, "--out", output, "--allow-private-addresses", "--timeout", "0.5", "--retries", "0", "--max-attempts", "2"];
        for (int run = 0; run < 3; run++)
        {
            server.DelayFirstRequest("/slow.jpg", TimeSpan.FromSeconds(3));
            CliResult result = await CliRunner.RunAsync(args);
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        Assert.Equal(2, server.Hits("/slow.jpg"));
        Assert.Equal([1, 2], File.ReadAllLines(Path.Combine(output, "crawl.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("attempt").GetInt32()));
    }

    private static string List(TempFolder folder, ListenerSite server, int count)
    {
        var lines = new List<string> { "url,category,license" };
        for (int i = 0; i < count; i++)
        {
            server.Add($"/img/{i}.jpg", TestImages.Drawn(120, 100, 700 + i));
            lines.Add($"{server.BaseUrl}/img/{i}.jpg,dog,CC0-1.0");
        }

        string list = folder.File("urls.csv");
        File.WriteAllLines(list, lines);
        return list;
    }

    /// <summary>The last record of each URL in the folder's crawl log.</summary>
    private static JsonElement[] LastRecords(string output) =>
        [.. File.ReadAllLines(Path.Combine(output, "crawl.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .GroupBy(r => r.GetProperty("index").GetInt32())
            .Select(g => g.Last())];
}
