namespace XPaste.Crawl;

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
