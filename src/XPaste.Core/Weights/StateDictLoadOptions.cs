namespace XPaste.Weights;

/// <summary>Options for <see cref="StateDictLoader"/>.</summary>
public sealed class StateDictLoadOptions
{
    /// <summary>The shared default options (strict).</summary>
    public static StateDictLoadOptions Default { get; } = new();

    /// <summary>Throw <see cref="WeightsMismatchException"/> unless the load is exact. Default true.</summary>
    public bool Strict { get; init; } = true;

    /// <summary>Names (on either side) to leave out of the comparison, e.g. buffers some checkpoints carry.</summary>
    public Func<string, bool>? Ignore { get; init; }
}
