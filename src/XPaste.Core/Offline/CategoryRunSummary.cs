using System.Text.Json.Serialization;

namespace XPaste.Offline;

/// <summary>What a bank run did for one category.</summary>
/// <param name="Kept">Images that gave an instance in the bank.</param>
/// <param name="Rejected">Images rejected.</param>
/// <param name="Reasons">Rejections by kind name (<see cref="Bank.RejectionKinds"/>).</param>
public sealed record CategoryRunSummary(
    [property: JsonPropertyName("kept")] int Kept,
    [property: JsonPropertyName("rejected")] int Rejected,
    [property: JsonPropertyName("reasons")] IReadOnlyDictionary<string, int> Reasons);
