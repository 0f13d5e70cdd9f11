using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.IO;
using XPaste.Sharding;

namespace XPaste.Crawl;

/// <summary>
/// Downloads URL lists into the category layout <c>{out}/{category}/{k:04d}.jpg|png</c> that generated images use, so
/// <c>bank extract</c> reads crawled and generated folders alike. Polite (robots.txt, <c>X-Robots-Tag</c>, per-host
/// limits, a named user agent), safe (http/https only, no private addresses, byte and pixel limits), deduplicating
/// (SHA-256 and a perceptual hash, per category) and resumable.
/// </summary>
/// <remarks>
/// Downloads run concurrently, but results are settled strictly in list order: deduplication, the number k and the
/// log line of a URL never depend on which download finished first. Each kept image is written atomically before its
/// log line; a rerun reads the log, removes any image written after the last logged line, and carries on, so a crawl
/// killed and rerun ends with the same files and log as one never interrupted (given the same server responses).
/// </remarks>
public sealed partial class ImageCrawler : IDisposable
{
    private readonly CrawlOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _client;
    private readonly ServiceProvider? _ownedProvider;

    /// <summary>Creates a crawler whose client comes from <paramref name="httpClientFactory"/>.</summary>
    /// <param name="httpClientFactory">A factory with the client registered by <see cref="CrawlServiceCollectionExtensions.AddImageCrawlerHttpClient"/>.</param>
    /// <param name="options">The options; validated now.</param>
    /// <param name="logger">Receives notes; none when null.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    public ImageCrawler(IHttpClientFactory httpClientFactory, CrawlOptions options, ILogger<ImageCrawler>? logger = null)
        : this(httpClientFactory, options, (ILogger?)logger, null)
    {
    }

    private ImageCrawler(IHttpClientFactory factory, CrawlOptions options, ILogger? logger, ServiceProvider? owned)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        CrawlOptionsValidator.ThrowIfInvalid(options);
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _client = factory.CreateClient(CrawlOptions.HttpClientName);
        _ownedProvider = owned;
    }

    /// <summary>Creates a crawler with its own <see cref="IHttpClientFactory"/> configured from <paramref name="options"/>.</summary>
    /// <param name="options">The options; validated now.</param>
    /// <param name="loggerFactory">For the crawler's and the HTTP client's logs; none when null.</param>
    /// <returns>The crawler; dispose it to release its connections.</returns>
    public static ImageCrawler Create(CrawlOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var services = new ServiceCollection();
        services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddImageCrawlerHttpClient(options);
        ServiceProvider provider = services.BuildServiceProvider();
        try
        {
            return new ImageCrawler(provider.GetRequiredService<IHttpClientFactory>(), options,
                provider.GetRequiredService<ILogger<ImageCrawler>>(), provider);
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    /// <summary>The log's file name for a shard: <c>crawl.jsonl</c>, or <c>crawl.shard-K-of-N.jsonl</c> when sharded.</summary>
    /// <param name="shard">The shard.</param>
    /// <returns>The file name, relative to the output folder.</returns>
    public static string LogFileName(ShardSpec shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return shard.IsSingle ? "crawl.jsonl" : $"crawl.{shard.FolderName}.jsonl";
    }

    /// <summary>Crawls the items of this shard into <paramref name="outputFolder"/>, resuming from its log if it has one.</summary>
    /// <param name="items">The URL list (see <see cref="UrlList"/>); results are settled in this order.</param>
    /// <param name="outputFolder">The output root; created if missing.</param>
    /// <param name="progress">Receives a report after each settled URL.</param>
    /// <param name="cancellationToken">Stops the crawl; what was settled stays settled.</param>
    /// <returns>The summary, earlier runs included.</returns>
    /// <exception cref="InvalidInputException">The log does not match the list, the folder holds images the log does not know, or another crawl is writing it.</exception>
    public async Task<CrawlSummary> RunAsync(IReadOnlyList<CrawlItem> items, string outputFolder, IProgress<CrawlProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        var stopwatch = Stopwatch.StartNew();
        string root = Path.GetFullPath(outputFolder);
        Directory.CreateDirectory(root);
        List<CrawlItem> mine = [.. items.Where(i => _options.Shard.Contains(i.Category)).OrderBy(i => i.Index)];
        foreach (CrawlItem item in mine)
        {
            UrlList.CheckCategory(item.Category, item.Url);
        }

        using CrawlLog log = CrawlLog.Open(Path.Combine(root, LogFileName(_options.Shard)));
        int verified = VerifiedCount(root, log.Records);
        if (verified < log.Records.Count)
        {
            CrawlLogMessages.RedoingFrom(_logger, log.Path, verified, log.Records[verified].File ?? "");
            log.TruncateTo(verified);
        }

        var state = CrawlState.Restore(log, mine, _options);
        PrepareFolders(root, mine, state, log.Existed);
        int resumed = state.Done;
        List<CrawlItem> pending = [.. mine.Where(i => !state.IsSettled(i.Index))];
        if (_options.MaxItems is { } max)
        {
            pending = [.. pending.Take(Math.Max(0, max - resumed))];
        }

        if (resumed > 0)
        {
            CrawlLogMessages.Resuming(_logger, log.Path, resumed, mine.Count);
        }

        if (state.Retrying > 0)
        {
            CrawlLogMessages.Retrying(_logger, log.Path, state.Retrying);
        }

        using var fetcher = new ImageFetcher(_client, _options, _logger, root);
        // Downloads run ahead of the in-order commit by a bounded window; a slow URL at the head holds back only the window.
        var window = Channel.CreateBounded<Task<Fetched>>(new BoundedChannelOptions(Math.Max(1, _options.MaxConcurrency * 2)) { SingleReader = true, SingleWriter = true });
        using var global = new SemaphoreSlim(_options.MaxConcurrency);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task producer = Task.Run(async () =>
        {
            try
            {
                foreach (CrawlItem item in pending)
                {
                    await global.WaitAsync(stop.Token).ConfigureAwait(false);
                    Task<Fetched> task = FetchReleasingAsync(fetcher, item, global, stop.Token);
                    await window.Writer.WriteAsync(task, stop.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                window.Writer.TryComplete();
            }
        }, CancellationToken.None);

        try
        {
            int index = 0;
            await foreach (Task<Fetched> task in window.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                // ReadAllAsync drains what is buffered without looking at the token.
                cancellationToken.ThrowIfCancellationRequested();
                Fetched fetched = await task.ConfigureAwait(false);
                CrawlItem item = pending[index++];
                CrawlRecord record = Commit(root, item, fetched, state) with { Attempt = state.NextAttempt(item.Index) };
                log.Append(record);
                state.Record(record);
                progress?.Report(state.Progress(mine.Count, stopwatch.Elapsed, resumed));
            }

            await producer.ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            // Let in-flight downloads notice the cancellation before their semaphore goes away.
            while (window.Reader.TryRead(out Task<Fetched>? orphan))
            {
                try
                {
                    // A download that finished but will not be committed leaves no temporary file behind.
                    if (await orphan.ConfigureAwait(false) is { TempFile: { } temp })
                    {
                        File.Delete(temp);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return state.Summary(mine.Count, resumed, stopwatch.Elapsed, log.Path) with { Retried = state.Retrying };
    }

    /// <summary>Releases the resources of the crawler's own HTTP client factory, if it made one.</summary>
    public void Dispose() => _ownedProvider?.Dispose();

    private static async Task<Fetched> FetchReleasingAsync(ImageFetcher fetcher, CrawlItem item, SemaphoreSlim global, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Yield();
            return await fetcher.FetchAsync(item, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            global.Release();
        }
    }

    /// <summary>Deduplicates, numbers and stores one result; the image is on disk before the record is returned.</summary>
    private CrawlRecord Commit(string root, CrawlItem item, Fetched fetched, CrawlState state)
    {
        CheckedImage? image = fetched.Image;
        string? phash = image is { Reason: null } ? image.PerceptualHash.ToString("x16", CultureInfo.InvariantCulture) : null;
        var record = new CrawlRecord
        {
            Index = item.Index,
            Url = item.Url,
            Category = item.Category,
            Status = fetched.Status,
            Reason = fetched.Reason,
            Detail = fetched.Detail,
            HttpStatus = fetched.HttpStatus,
            FinalUrl = fetched.FinalUrl,
            License = item.License,
            Caption = item.Caption,
            Sha256 = fetched.Sha256,
            PerceptualHash = phash,
            Width = image is { Width: > 0 } ? image.Width : null,
            Height = image is { Height: > 0 } ? image.Height : null,
            Bytes = fetched.Bytes,
        };
        if (fetched.Status != CrawlStatus.Kept || image is null || fetched.TempFile is null)
        {
            return record;
        }

        CategoryState category = state.Category(item.Category);
        if (_options.DeduplicateExact && category.FindExact(fetched.Sha256!) is { } same)
        {
            File.Delete(fetched.TempFile);
            return record with { Status = CrawlStatus.Duplicate, Reason = CrawlReasons.ExactDuplicate, DuplicateOf = same };
        }

        if (_options.NearDuplicateDistance >= 0 && category.FindNear(image.PerceptualHash, _options.NearDuplicateDistance) is { } near)
        {
            File.Delete(fetched.TempFile);
            return record with
            {
                Status = CrawlStatus.Duplicate,
                Reason = CrawlReasons.NearDuplicate,
                DuplicateOf = near.File,
                Detail = string.Create(CultureInfo.InvariantCulture, $"perceptual hash {near.Distance} bits from {near.File}"),
            };
        }

        string file = $"{item.Category}/{category.NextNumber.ToString("D4", CultureInfo.InvariantCulture)}{image.Extension}";
        File.Move(fetched.TempFile, SafePath.Resolve(root, file, item.Url), overwrite: true);
        return record with { File = file, StoredSha256 = fetched.StoredSha256 };
    }

    /// <summary>
    /// How many leading log records are backed by their files (each kept file present with its logged SHA-256). Images
    /// are written without an fsync each (one per image would hold the crawl to the disk's sync rate, ~100/s), so a
    /// power loss can lose recent ones although their log lines survived; the crawl is redone from the first such record.
    /// </summary>
    private static int VerifiedCount(string root, IReadOnlyList<CrawlRecord> records)
    {
        for (int i = 0; i < records.Count; i++)
        {
            CrawlRecord r = records[i];
            if (r.Status != CrawlStatus.Kept || r.File is null)
            {
                continue;
            }

            string path = Path.Combine(root, r.File);
            string? expected = r.StoredSha256 ?? r.Sha256;
            if (!File.Exists(path) || (expected is not null && Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) != expected))
            {
                return i;
            }
        }

        return records.Count;
    }

    /// <summary>
    /// Makes the folders match the log: removes temporary files and numbered images past what the log records (left by
    /// a crawl killed between writing an image and logging it). Without a log, numbered images mean the folder is not
    /// ours, and nothing is overwritten.
    /// </summary>
    private void PrepareFolders(string root, List<CrawlItem> items, CrawlState state, bool logExisted)
    {
        foreach (string category in items.Select(i => i.Category).Distinct(StringComparer.Ordinal))
        {
            string folder = Path.Combine(root, category);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            int kept = state.Category(category).NextNumber;
            foreach (string path in Directory.EnumerateFiles(folder))
            {
                string name = Path.GetFileName(path);
                if (AtomicFile.IsTemporary(path))
                {
                    File.Delete(path);
                    continue;
                }

                Match match = NumberedImage().Match(name);
                if (!match.Success || int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) < kept)
                {
                    continue;
                }

                if (!logExisted)
                {
                    throw new InvalidInputException(folder, $"holds {name} but there is no crawl log ({LogFileName(_options.Shard)}) here; crawl into a new folder");
                }

                CrawlLogMessages.RemovedOrphan(_logger, path);
                File.Delete(path);
            }
        }
    }

    [GeneratedRegex(@"^(\d{4,})\.(jpg|png)$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberedImage();
}
