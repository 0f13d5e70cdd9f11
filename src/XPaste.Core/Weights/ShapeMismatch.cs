namespace XPaste.Weights;

/// <summary>A tensor whose checkpoint shape differs from the module's.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="Expected">The module's shape.</param>
/// <param name="Actual">The checkpoint's shape.</param>
public sealed record ShapeMismatch(string Name, long[] Expected, long[] Actual)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name} (module [{string.Join(",", Expected)}], checkpoint [{string.Join(",", Actual)}])";
}
