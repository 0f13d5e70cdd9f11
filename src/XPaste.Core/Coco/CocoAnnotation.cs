using System.Text.Json;
using System.Text.Json.Serialization;
using XPaste.Coco.Json;
using XPaste.Masks;

namespace XPaste.Coco;

/// <summary>An entry of <c>annotations</c>. Other fields (e.g. <c>score</c>) round-trip through <see cref="ExtensionData"/>.</summary>
public sealed record CocoAnnotation
{
    private readonly long _id;

    /// <summary><c>id</c>, unique in the file.</summary>
    [JsonIgnore]
    public long Id
    {
        get => _id;
        init
        {
            _id = value;
            HasId = true;
        }
    }

    /// <summary>
    /// <c>id</c> as the JSON holds it: null when absent, so the loader can refuse the annotation by position. (The
    /// source generator assigns every init-only property, so <see cref="Id"/> itself cannot tell.)
    /// </summary>
    [JsonPropertyName("id")]
    [JsonInclude]
    [JsonPropertyOrder(-1)]
    internal long? JsonId
    {
        get => HasId ? _id : null;
        init
        {
            if (value is { } id)
            {
                _id = id;
                HasId = true;
            }
        }
    }

    /// <summary>Whether <c>id</c> was given (a file's annotation without one is refused when loading).</summary>
    internal bool HasId { get; private init; }

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
    [JsonConverter(typeof(AnnotationBoxJsonConverter))]
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

    /// <summary>
    /// An annotation for a mask, with <c>area</c> and <c>bbox</c> computed from it as the COCO API does
    /// (<see cref="Rle.Area"/>, <see cref="Rle.BoundingBox"/>) and the mask stored as a compressed RLE.
    /// </summary>
    /// <param name="id">The annotation id.</param>
    /// <param name="imageId">The image id (the mask must have the image's size).</param>
    /// <param name="categoryId">The category id.</param>
    /// <param name="mask">The mask.</param>
    /// <param name="crowd">Whether it is a crowd region (<c>iscrowd</c> 1 instead of 0).</param>
    public static CocoAnnotation FromMask(long id, long imageId, int categoryId, Rle mask, bool crowd = false)
    {
        ArgumentNullException.ThrowIfNull(mask);
        return new CocoAnnotation
        {
            Id = id,
            ImageId = imageId,
            CategoryId = categoryId,
            Segmentation = CocoSegmentation.FromRle(mask),
            Area = mask.Area,
            Bbox = mask.BoundingBox,
            IsCrowd = crowd ? 1 : 0,
        };
    }
}
