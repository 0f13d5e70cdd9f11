using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace XPaste.Crawl;

/// <summary>Registers the crawler's <see cref="HttpClient"/> (named <see cref="CrawlOptions.HttpClientName"/>) with its resilience pipeline.</summary>
public static class CrawlServiceCollectionExtensions
{
    /// <summary>
    /// Adds the named client <see cref="CrawlOptions.HttpClientName"/>: a <see cref="SocketsHttpHandler"/> that dials only
    /// addresses the guard allows (no proxy, so the guard cannot be bypassed), follows at most
    /// <see cref="CrawlOptions.MaxRedirects"/> redirects, decompresses gzip/deflate/brotli, and sends the user agent; wrapped
    /// in retries with exponential backoff and jitter on 408/429/5xx/network errors (honouring <c>Retry-After</c>, capped
    /// by <see cref="CrawlOptions.MaxRetryDelay"/>) around a per-attempt timeout.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="options">The crawl options the client follows (read now).</param>
    /// <returns>The client builder, for further configuration.</returns>
    public static IHttpClientBuilder AddImageCrawlerHttpClient(this IServiceCollection services, CrawlOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        CrawlOptionsValidator.ThrowIfInvalid(options);
        IHttpClientBuilder builder = services.AddHttpClient(CrawlOptions.HttpClientName, client =>
        {
            client.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
            client.DefaultRequestHeaders.Accept.ParseAdd("image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8,*/*;q=0.5");
            // The crawler enforces its own end-to-end deadline, body included.
            client.Timeout = Timeout.InfiniteTimeSpan;
        });
        builder.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            AllowAutoRedirect = options.MaxRedirects > 0,
            MaxAutomaticRedirections = Math.Max(1, options.MaxRedirects),
            AutomaticDecompression = DecompressionMethods.All,
            UseProxy = false,
            UseCookies = false,
            MaxConnectionsPerServer = options.MaxConcurrencyPerHost,
            ConnectTimeout = options.AttemptTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = AddressGuard.ConnectCallback(options.AllowPrivateAddresses),
        });
        builder.AddResilienceHandler("xpaste-crawl", pipeline =>
        {
            if (options.MaxRetries > 0)
            {
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = options.MaxRetries,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = options.RetryDelay,
                    MaxDelay = options.MaxRetryDelay,
                    ShouldRetryAfterHeader = false,
                    ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome)),
                    DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, options.MaxRetryDelay)),
                });
            }

            pipeline.AddTimeout(options.AttemptTimeout);
        });
        return builder;
    }

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome)
    {
        // A blocked address stays blocked; retrying it only wastes time.
        for (Exception? e = outcome.Exception; e is not null; e = e.InnerException)
        {
            if (e is BlockedAddressException)
            {
                return false;
            }
        }

        return HttpClientResiliencePredicates.IsTransient(outcome);
    }

    /// <summary>The server's <c>Retry-After</c> (seconds or a date), capped; null to use the backoff.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan max)
    {
        if (response?.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        TimeSpan? wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (wait is null)
        {
            return null;
        }

        return wait.Value < TimeSpan.Zero ? TimeSpan.Zero : wait.Value > max ? max : wait.Value;
    }
}
