using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using SkiaSharp;
using XPaste.Crawl;
using XPaste.Tests;

namespace XPaste.Crawl.Tests;

/// <summary>One URL of the test site and how it must end.</summary>
internal sealed record SiteCase(string Path, string Category, CrawlStatus Status, string? Reason, string? File = null);

/// <summary>The loopback site with every case of the crawler's contract, and fast options to crawl it.</summary>
internal static class CrawlSite
{
    public const int MaxBytes = 600_000;

    public static CrawlOptions FastOptions() => new()
    {
        AllowPrivateAddresses = true,
        AttemptTimeout = TimeSpan.FromSeconds(3),
        RequestTimeout = TimeSpan.FromSeconds(3),
        RetryDelay = TimeSpan.FromMilliseconds(20),
        MaxRetryDelay = TimeSpan.FromSeconds(2),
        MaxRetries = 2,
        MaxRedirects = 3,
        MaxImageBytes = MaxBytes,
        ImageLimits = new XPaste.Imaging.ImageLoadOptions { MaxPixels = 4_000_000 },
        MinSide = 64,
        MaxConcurrency = 8,
        MaxConcurrencyPerHost = 8,
    };

    public static readonly byte[] Chelsea = TestImages.Photo("chelsea.png");

    /// <summary>Routes that answer the same way every time (no per-hit state), for resume and determinism tests.</summary>
    public static List<SiteCase> MapDeterministic(LoopbackServer server)
    {
        server.MapBytes("/robots.txt", "User-agent: *\nDisallow: /private/\n\nUser-agent: otherbot\nDisallow: /\n"u8.ToArray(), "text/plain");
        server.MapBytes("/img/chelsea.jpg", Chelsea);
        server.MapBytes("/img/coffee.png", TestImages.Photo("coffee.png", SKEncodedImageFormat.Png), "image/png");
        server.MapBytes("/img/astronaut.webp", TestImages.Photo("astronaut.png", SKEncodedImageFormat.Webp, 80), "image/webp");
        server.MapBytes("/img/html.jpg", "<!DOCTYPE html><html><body>Not found</body></html>"u8.ToArray(), "image/jpeg");
        byte[] rocket = File.ReadAllBytes(TestFiles.Data("images", "rocket.jpg"));
        server.MapBytes("/img/truncated.jpg", rocket[..(rocket.Length * 6 / 10)]);
        server.MapBytes("/img/bomb.png", TestImages.Bomb(30_000, 30_000), "image/png");
        server.MapBytes("/img/noai.jpg", TestImages.Drawn(200, 160, 5), headers: r => r.Headers["X-Robots-Tag"] = "noai, noimageai");
        server.MapBytes("/img/otherbot-noai.jpg", TestImages.Drawn(200, 160, 6), headers: r => r.Headers["X-Robots-Tag"] = "otherbot: noai");
        server.MapBytes("/private/secret.jpg", TestImages.Drawn(200, 160, 7));
        server.MapBytes("/img/copy-of-chelsea.jpg", Chelsea);
        server.MapBytes("/img/chelsea-small.jpg", TestImages.Photo("chelsea.png", quality: 70, scale: 0.7));
        server.MapBytes("/img/tiny.jpg", TestImages.Drawn(40, 40, 8));
        server.MapBytes("/img/strip.jpg", TestImages.Drawn(600, 80, 9));
        server.MapBytes("/img/big.jpg", RandomBytes(MaxBytes + 100_000));
        server.Map("/img/big-chunked.jpg", async context =>
        {
            // No Content-Length: the crawler must stop reading past the limit by itself.
            context.Response.ContentType = "image/jpeg";
            byte[] chunk = RandomBytes(64 * 1024);
            for (int i = 0; i < 10; i++)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });
        server.Map("/redirect/loop", context => Redirect(context, "/redirect/loop2"));
        server.Map("/redirect/loop2", context => Redirect(context, "/redirect/loop"));
        server.Map("/redirect/to-rocket", context => Redirect(context, "/img/rocket.jpg"));
        server.MapBytes("/img/rocket.jpg", rocket);
        server.Map("/error/500", context =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        return
        [
            new("/img/chelsea.jpg", "cat", CrawlStatus.Kept, null, "cat/0000.jpg"),
            new("/img/coffee.png", "cat", CrawlStatus.Kept, null, "cat/0001.png"),
            new("/img/astronaut.webp", "cat", CrawlStatus.Kept, null, "cat/0002.jpg"),
            new("/img/missing.jpg", "cat", CrawlStatus.Failed, "http-404"),
            new("/error/500", "cat", CrawlStatus.Failed, "http-500"),
            new("/redirect/loop", "cat", CrawlStatus.Failed, CrawlReasons.TooManyRedirects),
            new("/img/big.jpg", "cat", CrawlStatus.Failed, CrawlReasons.TooLarge),
            new("/img/big-chunked.jpg", "cat", CrawlStatus.Failed, CrawlReasons.TooLarge),
            new("/img/html.jpg", "cat", CrawlStatus.Failed, CrawlReasons.NotAnImage),
            new("/img/truncated.jpg", "cat", CrawlStatus.Failed, CrawlReasons.Corrupt),
            new("/img/bomb.png", "cat", CrawlStatus.Failed, CrawlReasons.TooManyPixels),
            new("/img/noai.jpg", "cat", CrawlStatus.OptedOut, CrawlReasons.XRobotsTag),
            new("/img/otherbot-noai.jpg", "cat", CrawlStatus.Kept, null, "cat/0003.jpg"),
            new("/private/secret.jpg", "cat", CrawlStatus.OptedOut, CrawlReasons.RobotsTxt),
            new("/img/copy-of-chelsea.jpg", "cat", CrawlStatus.Duplicate, CrawlReasons.ExactDuplicate),
            new("/img/chelsea-small.jpg", "cat", CrawlStatus.Duplicate, CrawlReasons.NearDuplicate),
            new("/img/tiny.jpg", "cat", CrawlStatus.Filtered, CrawlReasons.TooSmall),
            new("/img/strip.jpg", "cat", CrawlStatus.Filtered, CrawlReasons.AspectRatio),
            new("/redirect/to-rocket", "cat", CrawlStatus.Kept, null, "cat/0004.jpg"),
            // Deduplication is per category: the same photo is kept again under another category.
            new("/img/copy-of-chelsea.jpg", "dog", CrawlStatus.Kept, null, "dog/0000.jpg"),
        ];
    }

    public static List<CrawlItem> Items(LoopbackServer server, IEnumerable<SiteCase> cases) =>
        [.. cases.Select((c, i) => new CrawlItem(i, server.Url(c.Path), c.Category, License: "CC0-1.0"))];

    /// <summary>Asserts nothing is half-written: the category folders hold exactly the kept files, whole and decodable.</summary>
    public static void AssertConsistent(string outDir, IReadOnlyList<CrawlRecord> records)
    {
        var kept = records.Where(r => r.Status == CrawlStatus.Kept).Select(r => r.File!).ToHashSet(StringComparer.Ordinal);
        var onDisk = Directory.EnumerateDirectories(outDir)
            .SelectMany(Directory.EnumerateFiles)
            .Select(f => Path.GetRelativePath(outDir, f).Replace('\\', '/'))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Equal(kept.Order(StringComparer.Ordinal), onDisk.Order(StringComparer.Ordinal));
        foreach (CrawlRecord record in records.Where(r => r.Status == CrawlStatus.Kept))
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(outDir, record.File!));
            using SKBitmap decoded = SKBitmap.Decode(bytes);
            Assert.NotNull(decoded);
            Assert.Equal(record.Width, decoded.Width);
            Assert.Equal(record.Height, decoded.Height);
        }
    }

    /// <summary>Every file under a folder with its SHA-256, for comparing two crawls.</summary>
    public static SortedDictionary<string, string> Snapshot(string folder) =>
        new(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace('\\', '/'), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))),
            StringComparer.Ordinal);

    private static Task Redirect(HttpContext context, string to)
    {
        context.Response.StatusCode = 302;
        context.Response.Headers.Location = to;
        return Task.CompletedTask;
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(count).NextBytes(bytes);
        return bytes;
    }
}
