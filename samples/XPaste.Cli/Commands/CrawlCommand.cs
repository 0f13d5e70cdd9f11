using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using XPaste.Crawl;
using XPaste.Sharding;

namespace XPaste.Cli.Commands;

/// <summary>
/// <c>xpaste crawl --urls FILE [--format ...] [--category NAME] --out DIR [--shard K/N] ...</c>: downloads a URL list
/// (txt, csv, tsv, jsonl, parquet) into <c>{out}/{category}/{k:04d}.jpg|png</c> with a log line per URL, politely
/// (robots.txt, X-Robots-Tag, per-host limits), safely (no private addresses, byte and pixel limits) and without
/// duplicates. Rerun the same command to continue an interrupted crawl.
/// </summary>
internal static class CrawlCommand
{
    public static Command Create()
    {
        var urls = new Option<FileInfo>("--urls") { Description = "The URL list: .txt (one URL a line), .csv/.tsv (header row), .jsonl or .parquet.", Required = true };
        var format = new Option<string>("--format") { Description = "The list's format; auto picks it by extension.", DefaultValueFactory = _ => "auto" };
        format.AcceptOnlyFromAmong("auto", "txt", "csv", "tsv", "jsonl", "parquet");
        var category = new Option<string?>("--category") { Description = "One category for every URL (needed for .txt lists); otherwise the category column." };
        var urlColumn = new Option<string>("--url-column") { Description = "Column (or JSON property) holding the URL.", DefaultValueFactory = _ => "url" };
        var categoryColumn = new Option<string>("--category-column") { Description = "Column holding the category.", DefaultValueFactory = _ => "category" };
        var licenseColumn = new Option<string>("--license-column") { Description = "Column holding the licence, kept in the log.", DefaultValueFactory = _ => "license" };
        var captionColumn = new Option<string>("--caption-column") { Description = "Column holding a caption, kept in the log.", DefaultValueFactory = _ => "caption" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder: {out}/{category}/{k:04d}.jpg|png and crawl.jsonl; resumed if it holds a crawl.", Required = true }.NotAFile();
        var shard = new Option<string?>("--shard") { Description = ShardOption.ShardDescription + " Only the categories of the shard are crawled (by a hash of the category name)." };
        var shardCount = new Option<int?>("--shards") { Description = ShardOption.ShardsDescription }.AtLeast(1);
        var concurrency = new Option<int>("--concurrency") { Description = "Downloads in flight, all hosts together.", DefaultValueFactory = _ => 64 }.AtLeast(1);
        var perHost = new Option<int>("--per-host") { Description = "Downloads in flight to one host.", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var timeout = new Option<double>("--timeout") { Description = "Seconds for one URL, retries and body included.", DefaultValueFactory = _ => 30 }.AtLeast(0.001);
        var retries = new Option<int>("--retries") { Description = "Retries on 408/429/5xx/network errors (backoff; Retry-After honoured).", DefaultValueFactory = _ => 2 }.AtLeast(0);
        var maxRedirects = new Option<int>("--max-redirects") { Description = "Redirects followed per URL.", DefaultValueFactory = _ => 5 }.AtLeast(0);
        var maxBytes = new Option<double>("--max-mb") { Description = "Largest image body in MiB; reading stops past it.", DefaultValueFactory = _ => 20 }.AtLeast(0.001);
        var maxPixels = new Option<double>("--max-megapixels") { Description = "Largest width x height in megapixels (decompression bombs stop here).", DefaultValueFactory = _ => 50 }.AtLeast(0.001);
        var minSide = new Option<int>("--min-side") { Description = "Drop images whose shorter side is smaller.", DefaultValueFactory = _ => 64 }.AtLeast(0);
        var maxAspect = new Option<double>("--max-aspect") { Description = "Drop images more elongated than this (long side / short side).", DefaultValueFactory = _ => 4 }.AtLeast(1.0);
        var resize = new Option<int?>("--resize") { Description = "Scale images down so the longer side is at most this (re-encodes them)." }.AtLeast(OptionRules.MinimumImageSide);
        var nearDuplicate = new Option<int>("--near-duplicate-distance") { Description = "Perceptual-hash bits within which an image counts as a near-duplicate of one kept in its category; -1 turns it off.", DefaultValueFactory = _ => 6 }.AtLeast(-1);
        var maxItems = new Option<int?>("--max-items") { Description = "Stop after this many URLs are settled (earlier runs included)." }.AtLeast(1);
        var maxAttempts = new Option<int>("--max-attempts") { Description = "Runs that may try a URL whose failure may pass (timeout, network error, 408, 429, 5xx): a rerun tries it again until this many attempts. 404, not an image and the like are final.", DefaultValueFactory = _ => 3 }.Between(1, 100);
        var retryFailed = new Option<bool>("--retry-failed") { Description = "Retry every URL that failed in earlier runs (404s too); kept, duplicate, filtered and opted-out URLs are never fetched again." };
        var allowPrivate = new Option<bool>("--allow-private-addresses") { Description = "Allow hosts that resolve to loopback, private or link-local addresses (off: an untrusted list cannot reach internal services)." };
        var ignoreRobots = new Option<bool>("--ignore-robots-txt") { Description = "Do not read robots.txt (only for sites you own or have permission to crawl)." };
        var ignoreOptOut = new Option<bool>("--ignore-x-robots-tag") { Description = "Do not honour X-Robots-Tag: noai / noimageai." };
        var userAgent = new Option<string?>("--user-agent") { Description = "The User-Agent; its first token is matched against robots.txt groups." };

        var command = new Command("crawl", "Download images from a URL list into {out}/{category}/ for bank extract: polite, deduplicated, resumable (rerun to continue).")
        {
            urls, format, category, urlColumn, categoryColumn, licenseColumn, captionColumn, output, shard, shardCount, concurrency, perHost, timeout,
            retries, maxRedirects, maxBytes, maxPixels, minSide, maxAspect, resize, nearDuplicate, maxItems, maxAttempts, retryFailed, allowPrivate, ignoreRobots, ignoreOptOut, userAgent,
        };
        // BankCommand.Run maps errors to exit codes: bad input 1, a bad option value (--shard, invalid options) 2.
        command.SetAction((parse, cancellationToken) => BankCommand.Run(() => RunAsync(parse, cancellationToken)));
        return command;

        async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
        {
            var listOptions = new UrlListOptions
            {
                Format = parse.GetValue(format) switch
                {
                    "txt" => UrlListFormat.Text,
                    "csv" => UrlListFormat.Csv,
                    "tsv" => UrlListFormat.Tsv,
                    "jsonl" => UrlListFormat.JsonLines,
                    "parquet" => UrlListFormat.Parquet,
                    _ => UrlListFormat.Auto,
                },
                Category = parse.GetValue(category),
                UrlColumn = parse.GetValue(urlColumn)!,
                CategoryColumn = parse.GetValue(categoryColumn)!,
                LicenseColumn = parse.GetValue(licenseColumn),
                CaptionColumn = parse.GetValue(captionColumn),
            };
            var options = new CrawlOptions
            {
                Shard = ShardOption.Resolve(parse.GetValue(shard), parse.GetValue(shardCount)),
                MaxConcurrency = parse.GetValue(concurrency),
                MaxConcurrencyPerHost = Math.Min(parse.GetValue(perHost), parse.GetValue(concurrency)),
                RequestTimeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                AttemptTimeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                MaxRetries = parse.GetValue(retries),
                MaxRedirects = parse.GetValue(maxRedirects),
                MaxImageBytes = (long)(parse.GetValue(maxBytes) * 1024 * 1024),
                ImageLimits = new Imaging.ImageLoadOptions { MaxPixels = (long)(parse.GetValue(maxPixels) * 1_000_000) },
                MinSide = parse.GetValue(minSide),
                MaxAspectRatio = parse.GetValue(maxAspect),
                ResizeLongerSide = parse.GetValue(resize),
                NearDuplicateDistance = parse.GetValue(nearDuplicate),
                MaxItems = parse.GetValue(maxItems),
                MaxAttemptsPerUrl = parse.GetValue(maxAttempts),
                RetryFailed = parse.GetValue(retryFailed),
                AllowPrivateAddresses = parse.GetValue(allowPrivate),
                RespectRobotsTxt = !parse.GetValue(ignoreRobots),
            };
            if (parse.GetValue(ignoreOptOut))
            {
                options.OptOutDirectives = [];
            }

            if (parse.GetValue(userAgent) is { } agent)
            {
                options.UserAgent = agent;
            }

            return await CrawlAsync(parse.GetValue(urls)!, listOptions, parse.GetValue(output)!, options, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<int> CrawlAsync(FileInfo urls, UrlListOptions listOptions, DirectoryInfo output, CrawlOptions options, CancellationToken cancellationToken)
    {
        IReadOnlyList<CrawlItem> items = await UrlList.ReadAsync(urls.FullName, listOptions, cancellationToken).ConfigureAwait(false);
        using ILoggerFactory loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        using (ImageCrawler crawler = ImageCrawler.Create(options, loggers))
        {
            string shard = options.Shard.IsSingle ? "" : $" (shard {options.Shard})";
            Console.Error.WriteLine($"{urls}: {items.Count} URLs in {items.Select(i => i.Category).Distinct(StringComparer.Ordinal).Count()} categories{shard} -> {output}");
            var line = new ProgressLine();
            try
            {
                CrawlSummary summary = await crawler.RunAsync(items, output.FullName, line, cancellationToken).ConfigureAwait(false);
                line.Finish();
                WriteSummary(summary);
                return Explain(summary);
            }
            catch (OperationCanceledException)
            {
                line.Finish();
                Console.Error.WriteLine($"{output}: stopped; what was settled is kept. Run the same command again to continue.");
                return ExitCodes.Canceled;
            }
        }
    }

    private static void WriteSummary(CrawlSummary s)
    {
        // A plain line, not the table's title: titles wrap at the console width and scripts grep this.
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{s.Done} of {s.Total} URLs settled ({s.Resumed} by earlier runs), {s.Kept} images kept; {s.UrlsPerSecond:F1} URLs/s"));
        var table = new Table()
            .AddColumn("status").AddColumn("reason").AddColumn("URLs", c => c.RightAligned());
        table.AddRow("kept", "", s.Kept.ToString(CultureInfo.InvariantCulture));
        foreach (CrawlStatus status in s.ByStatus.Keys.Where(k => k != CrawlStatus.Kept).Order())
        {
            string name = status switch
            {
                CrawlStatus.Duplicate => "duplicate",
                CrawlStatus.Filtered => "filtered",
                CrawlStatus.OptedOut => "opted-out",
                _ => "failed",
            };
            foreach ((string reason, int count) in s.ByReason.Where(r => StatusOf(r.Key) == status).OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal))
            {
                table.AddRow(name, Markup.Escape(reason), count.ToString(CultureInfo.InvariantCulture));
            }
        }

        AnsiConsole.Console.Write(table);
        AnsiConsole.Console.WriteLine($"log: {s.LogPath}; kept per category: {ReportText.JoinOrNone(s.KeptByCategory.Select(c => $"{c.Key} {c.Value}"))}");
    }

    /// <summary>
    /// What the table cannot say: URLs the safety policy blocked, with the option that allows them (an error when
    /// nothing was kept because of it), and the failures a rerun will try again.
    /// </summary>
    private static int Explain(CrawlSummary s)
    {
        int failedToRetry = s.ByReason.Where(r => CrawlReasons.IsTransient(r.Key)).Sum(r => r.Value);
        if (s.Retried > 0)
        {
            Console.Error.WriteLine($"{s.Retried} URLs that failed in earlier runs were tried again");
        }

        if (failedToRetry > 0)
        {
            Console.Error.WriteLine($"{failedToRetry} URLs failed in a way that may pass (timeout, network error, 429, 5xx): "
                + "run the same command again to retry them (up to --max-attempts tries; --retry-failed retries every failure)");
        }

        int blocked = s.ByReason.GetValueOrDefault(CrawlReasons.BlockedAddress);
        if (blocked == 0)
        {
            return ExitCodes.Success;
        }

        string why = $"{blocked} of {s.Total} URLs were not fetched: their hosts resolve to loopback, private or link-local addresses, "
            + "which the crawler refuses by default (a URL list must not reach internal services); if you trust the list, "
            + "rerun with --allow-private-addresses (the same --out retries them)";
        if (s.Kept == 0)
        {
            Console.Error.WriteLine($"error: {Path.GetDirectoryName(s.LogPath)}: no image kept: {why}");
            return ExitCodes.Failure;
        }

        Console.Error.WriteLine($"warning: {why}");
        return ExitCodes.Success;
    }

    private static CrawlStatus StatusOf(string reason) => reason switch
    {
        CrawlReasons.ExactDuplicate or CrawlReasons.NearDuplicate => CrawlStatus.Duplicate,
        CrawlReasons.TooSmall or CrawlReasons.AspectRatio => CrawlStatus.Filtered,
        CrawlReasons.RobotsTxt or CrawlReasons.XRobotsTag => CrawlStatus.OptedOut,
        _ => CrawlStatus.Failed,
    };

    /// <summary>
    /// One live status line on standard error (rewritten in place on a terminal, a plain line every 5 s otherwise):
    /// done, kept, failures by reason, images per second.
    /// </summary>
    private sealed class ProgressLine : IProgress<CrawlProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly bool _live = !Console.IsErrorRedirected;
        private TimeSpan _last = TimeSpan.FromDays(-1);
        private CrawlProgress? _latest;
        private CrawlProgress? _written;
        private int _width;

        public void Report(CrawlProgress value)
        {
            lock (_clock)
            {
                _latest = value;
                TimeSpan every = _live ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(5);
                if (_clock.Elapsed - _last >= every || value.Done == value.Total)
                {
                    _last = _clock.Elapsed;
                    Write(value);
                }
            }
        }

        public void Finish()
        {
            lock (_clock)
            {
                if (_latest is not null && !ReferenceEquals(_latest, _written))
                {
                    Write(_latest);
                }

                if (_live && _width > 0)
                {
                    Console.Error.WriteLine();
                }

                _width = 0;
                _latest = null;
            }
        }

        private void Write(CrawlProgress p)
        {
            _written = p;
            string reasons = string.Join(", ", p.ByReason.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).Take(6).Select(r => $"{r.Key} {r.Value}"));
            string text = string.Create(CultureInfo.InvariantCulture,
                $"crawl: {p.Done}/{p.Total} done, {p.Kept} kept{(reasons.Length > 0 ? $"; {reasons}" : "")}; {p.UrlsPerSecond:F1} images/s");
            if (_live)
            {
                Console.Error.Write("\r" + text.PadRight(_width));
                _width = text.Length;
            }
            else
            {
                Console.Error.WriteLine(text);
            }
        }
    }
}
