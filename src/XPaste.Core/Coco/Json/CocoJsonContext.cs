using System.Text.Json.Serialization;

namespace XPaste.Coco.Json;

/// <summary>Source-generated (reflection-free) serialisation of the COCO model.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true,
    AllowTrailingCommas = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(CocoDataset))]
internal sealed partial class CocoJsonContext : JsonSerializerContext
{
}
