using System.Security.Cryptography;
using XPaste.Tests;
using XPaste.Crawl.Tests;

namespace XPaste.Cli.Tests;

public sealed class CrawlCommandTests
{
    [Fact]
    public async Task Crawl_writes_the_category_layout_and_a_summary_and_a_killed_crawl_resumes_to_the_same_result()
    {
        // Slow enough that the kill lands mid-crawl.
        using var server = new ListenerSite(TimeSpan.FromMilliseconds(150));
        var lines = new List<string> { "url,category,license" };
        for (int i = 0; i < 24; i++)
        {
            server.Add($"/img/{i}.jpg", TestImages.Drawn(120, 100, 500 + i));
            lines.Add($"{server.BaseUrl}/img/{i}.jpg,{(i % 2 == 0 ? "dog" : "cat")},CC0-1.0");
        }

        lines.Add($"{server.BaseUrl}/img/missing.jpg,dog,");
        using var folder = new TempFolder();
        string list = folder.File("urls.csv");
        File.WriteAllLines(list, lines);
        string[] Args(string output) => ["crawl", "--urls", list, "--out", output, "--allow-private-addresses", "--concurrency", "2", "--timeout", "5", "--min-side", "32"];

        CliResult whole = await CliRunner.RunAsync(Args(folder.File("whole")));

        Assert.True(whole.ExitCode == 0, whole.ToString());
        Assert.Contains("24 images kept", whole.StdOut, StringComparison.Ordinal);
        Assert.Contains("http-404", whole.StdOut, StringComparison.Ordinal);
        Assert.Contains("images/s", whole.StdErr, StringComparison.Ordinal);
        Assert.True(File.Exists(folder.File("whole", "dog", "0011.jpg")));
        Assert.True(File.Exists(folder.File("whole", "cat", "0011.jpg")));

        // Kill the tool outright (no chance to clean up) once a few images are stored, then run it again. (The log is
        // locked while the crawl runs, so the test watches the image folders.)
        string killedLog = folder.File("killed", "crawl.jsonl");
        // Committed images only: downloads ahead of the commit are hidden .tmp-*.jpg files, with no log line yet.
        int Stored() => Directory.Exists(folder.File("killed"))
            ? Directory.EnumerateFiles(folder.File("killed"), "*.jpg", SearchOption.AllDirectories).Count(f => !Path.GetFileName(f).StartsWith(".tmp-", StringComparison.Ordinal))
            : 0;
        using (var process = CliRunner.Start(Args(folder.File("killed"))))
        {
            process.StandardInput.Close();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && !process.HasExited && Stored() < 3)
            {
                await Task.Delay(20);
            }

            Assert.False(process.HasExited, "the crawl finished before it could be killed");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        Assert.InRange(File.ReadAllLines(killedLog).Length, 2, lines.Count - 2);
        CliResult resumed = await CliRunner.RunAsync(Args(folder.File("killed")));

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(Snapshot(folder.File("whole")), Snapshot(folder.File("killed")));
    }

    [Fact]
    public async Task A_text_list_without_a_category_is_an_error_naming_the_file()
    {
        using var folder = new TempFolder();
        string list = folder.File("urls.txt");
        File.WriteAllText(list, "http://example.com/a.jpg\n");

        CliResult result = await CliRunner.RunAsync(["crawl", "--urls", list, "--out", folder.File("out")]);

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.StartsWith($"error: {list}: line 1:", result.StdErr.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_shard_is_an_error()
    {
        using var folder = new TempFolder();
        string list = folder.File("urls.csv");
        File.WriteAllText(list, "url,category\nhttp://example.com/a.jpg,dog\n");

        CliResult result = await CliRunner.RunAsync(["crawl", "--urls", list, "--out", folder.File("out"), "--shard", "4/4"]);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.StartsWith("error: --shard: '4/4'", result.StdErr.Trim(), StringComparison.Ordinal);
    }

    private static SortedDictionary<string, string> Snapshot(string folder) =>
        new(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))), StringComparer.Ordinal);
}
