using System.Text.Json;
using System.Text.Json.Serialization;
using XPaste.Abstractions;

namespace XPaste.Coco;

/// <summary>
/// An entry of <c>categories</c>: COCO fields and LVIS's <c>synset</c>, <c>synonyms</c>, <c>def</c>, <c>frequency</c>,
/// <c>image_count</c> and <c>instance_count</c>. Other fields round-trip through <see cref="ExtensionData"/>.
/// </summary>
public sealed record CocoCategory
{
    /// <summary><c>id</c>.</summary>
    [JsonPropertyName("id")]
    public int Id { get; init; }

    /// <summary><c>name</c> (LVIS: with underscores, e.g. <c>traffic_light</c>).</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary><c>supercategory</c> (COCO).</summary>
    [JsonPropertyName("supercategory")]
    public string? Supercategory { get; init; }

    /// <summary>LVIS <c>synset</c> (WordNet synset name).</summary>
    [JsonPropertyName("synset")]
    public string? Synset { get; init; }

    /// <summary>LVIS <c>synonyms</c>.</summary>
    [JsonPropertyName("synonyms")]
    public IReadOnlyList<string>? Synonyms { get; init; }

    /// <summary>LVIS <c>def</c>: the category's definition.</summary>
    [JsonPropertyName("def")]
    public string? Definition { get; init; }

    /// <summary>LVIS <c>frequency</c>: <c>r</c> (rare, 1-10 training images), <c>c</c> (common, 11-100) or <c>f</c> (frequent).</summary>
    [JsonPropertyName("frequency")]
    public string? Frequency { get; init; }

    /// <summary>LVIS <c>image_count</c>: training images with the category.</summary>
    [JsonPropertyName("image_count")]
    public long? ImageCount { get; init; }

    /// <summary>LVIS <c>instance_count</c>: training instances of the category.</summary>
    [JsonPropertyName("instance_count")]
    public long? InstanceCount { get; init; }

    /// <summary>Every other field, kept as read so that it is written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary>The category as the rest of XPaste names it (id and name).</summary>
    public CategoryInfo ToCategoryInfo() => new(Id, Name);
}
