using Microsoft.Extensions.Options;
using XPaste.Imaging;

namespace XPaste.Crawl;

/// <summary>Checks <see cref="CrawlOptions"/>; <see cref="ImageCrawler"/> refuses options that fail.</summary>
internal sealed class CrawlOptionsValidator : IValidateOptions<CrawlOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CrawlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> problems = [.. Problems(options)];
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem, if any.</summary>
    internal static void ThrowIfInvalid(CrawlOptions options)
    {
        ValidateOptionsResult result = new CrawlOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(nameof(CrawlOptions), typeof(CrawlOptions), result.Failures);
        }
    }

    /// <summary>Every problem of the options, as sentences.</summary>
    internal static IEnumerable<string> Problems(CrawlOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.UserAgent) || !System.Net.Http.Headers.ProductInfoHeaderValue.TryParse(o.UserAgent.Split(' ')[0], out _))
        {
            yield return $"{nameof(o.UserAgent)} must start with a product token such as name/1.0, got '{o.UserAgent}'";
        }

        if (o.MaxConcurrency is < 1 or > 4096)
        {
            yield return $"{nameof(o.MaxConcurrency)} must be in [1, 4096], got {o.MaxConcurrency}";
        }

        if (o.MaxConcurrencyPerHost < 1 || o.MaxConcurrencyPerHost > o.MaxConcurrency)
        {
            yield return $"{nameof(o.MaxConcurrencyPerHost)} must be in [1, {nameof(o.MaxConcurrency)}], got {o.MaxConcurrencyPerHost}";
        }

        if (o.AttemptTimeout <= TimeSpan.Zero || o.AttemptTimeout > TimeSpan.FromDays(1))
        {
            yield return $"{nameof(o.AttemptTimeout)} must be positive, got {o.AttemptTimeout}";
        }

        if (o.RequestTimeout < o.AttemptTimeout || o.RequestTimeout > TimeSpan.FromDays(1))
        {
            yield return $"{nameof(o.RequestTimeout)} must be at least {nameof(o.AttemptTimeout)} ({o.AttemptTimeout}), got {o.RequestTimeout}";
        }

        if (o.MaxRetries is < 0 or > 20)
        {
            yield return $"{nameof(o.MaxRetries)} must be in [0, 20], got {o.MaxRetries}";
        }

        if (o.RetryDelay < TimeSpan.Zero || o.MaxRetryDelay < o.RetryDelay)
        {
            yield return $"{nameof(o.RetryDelay)} must be >= 0 and <= {nameof(o.MaxRetryDelay)}, got {o.RetryDelay} and {o.MaxRetryDelay}";
        }

        if (o.MaxRedirects is < 0 or > 50)
        {
            yield return $"{nameof(o.MaxRedirects)} must be in [0, 50], got {o.MaxRedirects}";
        }

        if (o.MaxImageBytes < 1 || o.MaxImageBytes > int.MaxValue)
        {
            yield return $"{nameof(o.MaxImageBytes)} must be in [1, {int.MaxValue}], got {o.MaxImageBytes}";
        }

        if (o.OptOutDirectives is null || o.OptOutDirectives.Any(string.IsNullOrWhiteSpace))
        {
            yield return $"{nameof(o.OptOutDirectives)} must be a list of non-empty directives";
        }

        var limits = new List<string>();
        ImageLoadOptionsValidator.AddProblems(o.ImageLimits, limits, $"{nameof(o.ImageLimits)}.");
        foreach (string problem in limits)
        {
            yield return problem;
        }

        if (o.MinSide < 1)
        {
            yield return $"{nameof(o.MinSide)} must be at least 1, got {o.MinSide}";
        }

        if (!(o.MaxAspectRatio >= 1) || double.IsInfinity(o.MaxAspectRatio))
        {
            yield return $"{nameof(o.MaxAspectRatio)} must be a finite number >= 1, got {o.MaxAspectRatio}";
        }

        if (o.ResizeLongerSide is { } side && side < o.MinSide)
        {
            yield return $"{nameof(o.ResizeLongerSide)} must be at least {nameof(o.MinSide)} ({o.MinSide}), got {side}";
        }

        if (o.JpegQuality is < 1 or > 100)
        {
            yield return $"{nameof(o.JpegQuality)} must be in [1, 100], got {o.JpegQuality}";
        }

        if (o.NearDuplicateDistance is < -1 or > 64)
        {
            yield return $"{nameof(o.NearDuplicateDistance)} must be in [-1, 64] (-1 disables), got {o.NearDuplicateDistance}";
        }

        if (o.Shard is null)
        {
            yield return $"{nameof(o.Shard)} must be set (ShardSpec.Whole for all categories)";
        }

        if (o.MaxAttemptsPerUrl is < 1 or > 100)
        {
            yield return $"{nameof(o.MaxAttemptsPerUrl)} must be in [1, 100], got {o.MaxAttemptsPerUrl}";
        }

        if (o.MaxItems is < 0)
        {
            yield return $"{nameof(o.MaxItems)} must not be negative, got {o.MaxItems}";
        }
    }
}
