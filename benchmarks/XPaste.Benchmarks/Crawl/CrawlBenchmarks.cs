using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SkiaSharp;
using XPaste.Crawl;

namespace XPaste.Benchmarks.Crawl;

/// <summary>
/// Images per second from a loopback Kestrel site serving 256 distinct ~80 KB 640x480 JPEGs, at once or after 20 ms: the crawler (64 downloads
/// in flight, robots.txt, decode check, SHA-256, perceptual hash, dedup, atomic writes, log) against a plain sequential
/// <see cref="HttpClient"/> loop that only downloads, and the same loop doing the crawler's per-image checks one after
/// another. One operation is one image.
/// </summary>
[MemoryDiagnoser]
public class CrawlBenchmarks
{
    private const int Images = 256;
    private WebApplication? _site;
    private string _baseUrl = "";
    // One client for the process, as HttpClient is meant to be used.
    private static readonly HttpClient Plain = new();
    private List<CrawlItem> _items = [];
    private string _root = "";
    private int _run;

    /// <summary>Time the site waits before each response: 0 is loopback; 20 ms stands in for a server farther away.</summary>
    [Params(0, 20)]
    public int LatencyMs { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        var bodies = new byte[Images][];
        Parallel.For(0, Images, i => bodies[i] = Jpeg(i));
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _site = builder.Build();
        _site.Run(async context =>
        {
            string path = context.Request.Path.Value ?? "";
            if (path.StartsWith("/img/", StringComparison.Ordinal) && int.TryParse(path.AsSpan(5, path.Length - 9), out int i) && i is >= 0 and < Images)
            {
                if (LatencyMs > 0)
                {
                    await Task.Delay(LatencyMs);
                }

                context.Response.ContentType = "image/jpeg";
                context.Response.ContentLength = bodies[i].Length;
                await context.Response.Body.WriteAsync(bodies[i]);
            }
            else
            {
                context.Response.StatusCode = 404;
            }
        });
        await _site.StartAsync();
        _baseUrl = _site.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        _items = [.. Enumerable.Range(0, Images).Select(i => new CrawlItem(i, $"{_baseUrl}/img/{i}.jpg", $"c{i % 4}"))];
        _root = Path.Combine(Path.GetTempPath(), "xpaste-bench-crawl-" + Guid.NewGuid().ToString("N"));
        Console.WriteLine($"// {Images} JPEGs, mean {bodies.Average(b => b.Length) / 1024:F0} KiB");
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_site is not null)
        {
            await _site.StopAsync();
            await _site.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    /// <summary>The baseline: one GET after another, bytes only.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Images)]
    public async Task<long> SequentialHttpClientLoop()
    {
        long bytes = 0;
        foreach (CrawlItem item in _items)
        {
            bytes += (await Plain.GetByteArrayAsync(item.Url)).Length;
        }

        return bytes;
    }

    /// <summary>The same loop plus the crawler's per-image work (SHA-256, decode check, perceptual hash), still sequential.</summary>
    [Benchmark(OperationsPerInvoke = Images)]
    public async Task<ulong> SequentialLoopWithCheck()
    {
        var options = new CrawlOptions();
        ulong hashes = 0;
        foreach (CrawlItem item in _items)
        {
            byte[] body = await Plain.GetByteArrayAsync(item.Url);
            hashes ^= BitConverter.ToUInt64(System.Security.Cryptography.SHA256.HashData(body));
            hashes ^= ImageCheck.Run(body, options).PerceptualHash;
        }

        return hashes;
    }

    /// <summary>All of the crawler's per-image work one image after another, storing each kept image (temp file + rename).</summary>
    [Benchmark(OperationsPerInvoke = Images)]
    public async Task<int> SequentialLoopWithCheckAndWrite()
    {
        var options = new CrawlOptions();
        string folder = Path.Combine(_root, $"seq-{_run++}");
        Directory.CreateDirectory(folder);
        int k = 0;
        foreach (CrawlItem item in _items)
        {
            byte[] body = await Plain.GetByteArrayAsync(item.Url);
            System.Security.Cryptography.SHA256.HashData(body);
            CheckedImage image = ImageCheck.Run(body, options);
            string temp = Path.Combine(folder, $".tmp-{k}");
            await File.WriteAllBytesAsync(temp, image.Output!);
            File.Move(temp, Path.Combine(folder, $"{k++:D4}{image.Extension}"));
        }

        return k;
    }

    /// <summary>The crawler into a fresh folder, 64 downloads in flight.</summary>
    [Benchmark(OperationsPerInvoke = Images)]
    public async Task<int> Crawler64()
    {
        var options = new CrawlOptions { AllowPrivateAddresses = true, MaxConcurrency = 64, MaxConcurrencyPerHost = 64 };
        using var crawler = ImageCrawler.Create(options);
        CrawlSummary summary = await crawler.RunAsync(_items, Path.Combine(_root, $"run-{_run++}"));
        return summary.Kept == Images ? summary.Kept : throw new InvalidOperationException($"kept {summary.Kept} of {Images}: {string.Join(", ", summary.ByReason)}");
    }

    /// <summary>A distinct 640x480 picture (random discs) with grain, JPEG quality 92: about 100 KB.</summary>
    private static byte[] Jpeg(int seed)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(new SKImageInfo(640, 480, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            using var paint = new SKPaint { IsAntialias = true };
            for (int i = 0; i < 16; i++)
            {
                paint.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                canvas.DrawCircle(random.Next(640), random.Next(480), random.Next(20, 200), paint);
            }
        }

        Span<byte> pixels = bitmap.GetPixelSpan();
        for (int i = 0; i < pixels.Length; i++)
        {
            if ((i & 3) != 3)
            {
                pixels[i] = (byte)Math.Clamp(pixels[i] + random.Next(-10, 11), 0, 255);
            }
        }

        using SKData data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 92);
        return data.ToArray();
    }
}
