using System.Text.Json;
using System.Text.Json.Serialization;

namespace XPaste.Augment;

/// <summary>
/// Everything needed to reproduce one augmented sample: the destination, its jitter, and the paste steps.
/// Serialise it with <see cref="ToJson"/> to log it; <see cref="XPasteAugmenter.Replay"/> executes it again.
/// </summary>
/// <param name="Seed">The sample's seed (for information: replay does not draw any random number).</param>
/// <param name="Destination">The destination's index in the dataset.</param>
/// <param name="DestinationId">The destination's id (checked on replay).</param>
/// <param name="Jitter">The destination's jitter, or null when it is used as it is.</param>
/// <param name="Width">The destination's width after the jitter.</param>
/// <param name="Height">The destination's height after the jitter.</param>
/// <param name="Steps">The pastes, in order.</param>
public sealed record SamplePlan(ulong Seed, int Destination, string DestinationId, JitterPlan? Jitter, int Width, int Height, IReadOnlyList<PasteStep> Steps)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    /// <summary>The plan as one line of JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a plan written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="InvalidInputException">The text is not a plan.</exception>
    public static SamplePlan FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            SamplePlan? plan = JsonSerializer.Deserialize<SamplePlan>(json, Json);
            if (plan is null || plan.Steps is null || plan.DestinationId is null)
            {
                throw new InvalidInputException("plan", "the JSON does not describe a sample plan");
            }

            return plan;
        }
        catch (JsonException e)
        {
            throw new InvalidInputException("plan", $"not valid plan JSON: {e.Message}", e);
        }
    }
}
