using System.Text.Json.Serialization;

namespace XPaste.Augment;

/// <summary>Source-generated JSON for the small values the writers put in extension fields.</summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
internal sealed partial class OutputJson : JsonSerializerContext
{
}
