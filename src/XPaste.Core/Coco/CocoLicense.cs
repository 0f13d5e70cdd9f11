using System.Text.Json;
using System.Text.Json.Serialization;

namespace XPaste.Coco;

/// <summary>An entry of a COCO file's <c>licenses</c>. Other fields round-trip through <see cref="ExtensionData"/>.</summary>
public sealed record CocoLicense
{
    /// <summary><c>id</c>.</summary>
    [JsonPropertyName("id")]
    public long Id { get; init; }

    /// <summary><c>name</c>.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary><c>url</c>.</summary>
    [JsonPropertyName("url")]
    public string? Url { get; init; }

    /// <summary>Every other field, kept as read so that it is written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
