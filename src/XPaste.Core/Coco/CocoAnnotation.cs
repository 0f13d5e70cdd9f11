using System.Text.Json;
using System.Text.Json.Serialization;
using XPaste.Masks;

namespace XPaste.Coco;

/// <summary>An entry of <c>annotations</c>. Other fields (e.g. <c>score</c>) round-trip through <see cref="ExtensionData"/>.</summary>
public sealed record CocoAnnotation
{
    /// <summary><c>id</c>, unique in the file.</summary>
    [JsonPropertyName("id")]
    public long Id { get; init; }

    /// <summary><c>image_id</c>: the annotated image.</summary>
    [JsonPropertyName("image_id")]
    public long ImageId { get; init; }

    /// <summary><c>category_id</c>.</summary>
    [JsonPropertyName("category_id")]
    public int CategoryId { get; init; }

    /// <summary><c>segmentation</c>: polygons or an RLE; null for box-only annotations.</summary>
    [JsonPropertyName("segmentation")]
    public CocoSegmentation? Segmentation { get; init; }

    /// <summary><c>area</c> as stored (COCO: the mask's area).</summary>
    [JsonPropertyName("area")]
    public double? Area { get; init; }

    /// <summary><c>bbox</c> <c>[x, y, w, h]</c> as stored.</summary>
    [JsonPropertyName("bbox")]
    public CocoBox? Bbox { get; init; }

    /// <summary><c>iscrowd</c> as stored (0 or 1; LVIS files leave it out).</summary>
    [JsonPropertyName("iscrowd")]
    public int? IsCrowd { get; init; }

    /// <summary>Whether the annotation is a crowd region (<c>iscrowd</c> non-zero).</summary>
    [JsonIgnore]
    public bool Crowd => IsCrowd is { } crowd && crowd != 0;

    /// <summary>Every other field, kept as read so that it is written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
