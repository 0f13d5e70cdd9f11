namespace XPaste.Crawl;

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
