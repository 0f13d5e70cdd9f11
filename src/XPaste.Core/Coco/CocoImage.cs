using System.Text.Json;
using System.Text.Json.Serialization;
using XPaste.IO;

namespace XPaste.Coco;

/// <summary>
/// An entry of <c>images</c>: COCO fields and LVIS's <c>neg_category_ids</c> / <c>not_exhaustive_category_ids</c>.
/// Other fields round-trip through <see cref="ExtensionData"/>.
/// </summary>
public sealed record CocoImage
{
    /// <summary><c>id</c>.</summary>
    [JsonPropertyName("id")]
    public long Id { get; init; }

    /// <summary><c>width</c> in pixels.</summary>
    [JsonPropertyName("width")]
    public int Width { get; init; }

    /// <summary><c>height</c> in pixels.</summary>
    [JsonPropertyName("height")]
    public int Height { get; init; }

    /// <summary><c>file_name</c>, relative to the image folder (LVIS files have none: see <see cref="ResolveFileName"/>).</summary>
    [JsonPropertyName("file_name")]
    public string? FileName { get; init; }

    /// <summary><c>license</c>: the id of an entry of <c>licenses</c>.</summary>
    [JsonPropertyName("license")]
    public long? License { get; init; }

    /// <summary><c>flickr_url</c>.</summary>
    [JsonPropertyName("flickr_url")]
    public string? FlickrUrl { get; init; }

    /// <summary><c>coco_url</c>.</summary>
    [JsonPropertyName("coco_url")]
    public string? CocoUrl { get; init; }

    /// <summary><c>date_captured</c>.</summary>
    [JsonPropertyName("date_captured")]
    public string? DateCaptured { get; init; }

    /// <summary>LVIS <c>neg_category_ids</c>: categories verified absent from the image.</summary>
    [JsonPropertyName("neg_category_ids")]
    public IReadOnlyList<int>? NegativeCategoryIds { get; init; }

    /// <summary>LVIS <c>not_exhaustive_category_ids</c>: categories present but not all of whose instances are annotated.</summary>
    [JsonPropertyName("not_exhaustive_category_ids")]
    public IReadOnlyList<int>? NotExhaustiveCategoryIds { get; init; }

    /// <summary>Every other field, kept as read so that it is written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary>
    /// The image's path relative to the image folder: <see cref="FileName"/>, or for LVIS (which has only
    /// <c>coco_url</c>) the URL's last two segments, e.g. <c>train2017/000000391895.jpg</c> as COCO lays its images out.
    /// </summary>
    /// <returns>The relative path, or null when the image has neither field.</returns>
    public string? ResolveFileName()
    {
        if (!string.IsNullOrEmpty(FileName))
        {
            return FileName;
        }

        if (string.IsNullOrEmpty(CocoUrl))
        {
            return null;
        }

        string[] parts = CocoUrl.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 ? $"{parts[^2]}/{parts[^1]}" : parts.LastOrDefault();
    }

    /// <summary>The image file's full path inside <paramref name="imageFolder"/> (see <see cref="ResolveFileName"/>).</summary>
    /// <param name="imageFolder">The dataset's image folder.</param>
    /// <exception cref="InvalidInputException">The image has no file name, or its path escapes the folder.</exception>
    public string ResolvePath(string imageFolder)
    {
        ArgumentNullException.ThrowIfNull(imageFolder);
        string relative = ResolveFileName() ?? throw new InvalidInputException($"image {Id}", "has neither file_name nor coco_url");
        return SafePath.Resolve(imageFolder, relative, $"image {Id}");
    }
}
