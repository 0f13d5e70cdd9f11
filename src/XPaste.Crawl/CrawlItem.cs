namespace XPaste.Crawl;

/// <summary>One URL to crawl, as read from a URL list.</summary>
/// <param name="Index">Its 0-based position in the list: results are committed and numbered in this order.</param>
/// <param name="Url">The image URL as written.</param>
/// <param name="Category">The category folder the image goes to.</param>
/// <param name="License">The licence recorded in the list, if any (kept as provenance).</param>
/// <param name="Caption">The caption or title recorded in the list, if any (kept as provenance).</param>
public sealed record CrawlItem(int Index, string Url, string Category, string? License = null, string? Caption = null);

/// <summary>The formats <see cref="UrlList"/> reads.</summary>
public enum UrlListFormat
{
    /// <summary>Chosen by the file extension (.txt, .csv, .tsv, .jsonl/.ndjson, .parquet).</summary>
    Auto,

    /// <summary>One URL a line; blank lines and lines starting with # are skipped; the category is <see cref="UrlListOptions.Category"/>.</summary>
    Text,

    /// <summary>Comma-separated with a header row (RFC 4180 quoting).</summary>
    Csv,

    /// <summary>Tab-separated with a header row.</summary>
    Tsv,

    /// <summary>One JSON object a line.</summary>
    JsonLines,

    /// <summary>Apache Parquet (LAION, DataComp, PD12M metadata), string columns.</summary>
    Parquet,
}

/// <summary>How <see cref="UrlList"/> reads a URL list.</summary>
public sealed class UrlListOptions
{
    /// <summary>The file format. Default <see cref="UrlListFormat.Auto"/>.</summary>
    public UrlListFormat Format { get; set; } = UrlListFormat.Auto;

    /// <summary>The column (or JSON property) holding the URL. Default <c>url</c>.</summary>
    public string UrlColumn { get; set; } = "url";

    /// <summary>The column holding the category. Default <c>category</c>; ignored when <see cref="Category"/> is set.</summary>
    public string CategoryColumn { get; set; } = "category";

    /// <summary>The column holding a licence, if any. Default <c>license</c> (used when present).</summary>
    public string? LicenseColumn { get; set; } = "license";

    /// <summary>The column holding a caption, if any. Default <c>caption</c> (used when present).</summary>
    public string? CaptionColumn { get; set; } = "caption";

    /// <summary>The default of <see cref="MaxRows"/>.</summary>
    public const int DefaultMaxRows = 10_000_000;

    /// <summary>
    /// The most rows a list may have (a LAION part has about a million); a list or a parquet row group claiming more is
    /// refused before it is read into memory. Default <see cref="DefaultMaxRows"/>.
    /// </summary>
    public int MaxRows { get; set; } = DefaultMaxRows;

    /// <summary>One category for every URL (required for text lists and lists without a category column).</summary>
    public string? Category { get; set; }
}
