namespace XPaste;

/// <summary>Progress of a long operation, reported through <see cref="IProgress{T}"/>.</summary>
/// <param name="Stage">What is being done, e.g. <c>extract</c> or <c>download model.safetensors</c>.</param>
/// <param name="Done">Units finished so far (items, images, bytes: see <paramref name="Unit"/>).</param>
/// <param name="Total">Total units, or null when unknown.</param>
/// <param name="Unit">The unit of <paramref name="Done"/> and <paramref name="Total"/>, e.g. <c>images</c> or <c>bytes</c>.</param>
public readonly record struct OperationProgress(string Stage, long Done, long? Total, string Unit = "items")
{
    /// <summary>Fraction done in [0,1], or null when the total is unknown.</summary>
    public double? Fraction => Total is > 0 ? Math.Clamp((double)Done / Total.Value, 0, 1) : null;
}
