namespace XPaste.Crawl;

/// <summary>One URL to crawl, as read from a URL list.</summary>
/// <param name="Index">Its 0-based position in the list: results are committed and numbered in this order.</param>
/// <param name="Url">The image URL as written.</param>
/// <param name="Category">The category folder the image goes to.</param>
/// <param name="License">The licence recorded in the list, if any (kept as provenance).</param>
/// <param name="Caption">The caption or title recorded in the list, if any (kept as provenance).</param>
public sealed record CrawlItem(int Index, string Url, string Category, string? License = null, string? Caption = null);
