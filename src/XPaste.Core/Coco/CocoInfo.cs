using System.Text.Json;
using System.Text.Json.Serialization;

namespace XPaste.Coco;

/// <summary>The <c>info</c> block of a COCO file. Fields this type does not name round-trip through <see cref="ExtensionData"/>.</summary>
public sealed record CocoInfo
{
    /// <summary><c>description</c>.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary><c>url</c>.</summary>
    [JsonPropertyName("url")]
    public string? Url { get; init; }

    /// <summary><c>version</c>.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; init; }

    /// <summary><c>year</c>.</summary>
    [JsonPropertyName("year")]
    public int? Year { get; init; }

    /// <summary><c>contributor</c>.</summary>
    [JsonPropertyName("contributor")]
    public string? Contributor { get; init; }

    /// <summary><c>date_created</c>.</summary>
    [JsonPropertyName("date_created")]
    public string? DateCreated { get; init; }

    /// <summary>Every other field, kept as read so that it is written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
