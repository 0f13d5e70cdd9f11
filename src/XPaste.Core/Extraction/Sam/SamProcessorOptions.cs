namespace XPaste.Extraction;

/// <summary>The preprocessing of <see cref="SamProcessor"/> (transformers' <c>SamImageProcessor</c> settings, as <c>preprocessor_config.json</c> gives them).</summary>
public sealed class SamProcessorOptions
{
    /// <summary>The published values: longest side 1024, padding to 1024x1024, ImageNet mean and std.</summary>
    public static SamProcessorOptions Default { get; } = new();

    /// <summary>The longest side after the resize (<c>size.longest_edge</c>).</summary>
    public int LongestEdge { get; init; } = 1024;

    /// <summary>The padded height (<c>pad_size.height</c>).</summary>
    public int PadHeight { get; init; } = 1024;

    /// <summary>The padded width (<c>pad_size.width</c>).</summary>
    public int PadWidth { get; init; } = 1024;

    /// <summary>Per-channel mean (<c>image_mean</c>), after scaling to [0,1].</summary>
    public IReadOnlyList<float> Mean { get; init; } = [0.485f, 0.456f, 0.406f];

    /// <summary>Per-channel standard deviation (<c>image_std</c>).</summary>
    public IReadOnlyList<float> Std { get; init; } = [0.229f, 0.224f, 0.225f];

    internal void Validate()
    {
        if (LongestEdge <= 0 || PadHeight < LongestEdge || PadWidth < LongestEdge)
        {
            throw new ArgumentException($"longest edge {LongestEdge} must be positive and fit the padded size {PadHeight}x{PadWidth}");
        }

        if (Mean.Count != 3 || Std.Count != 3 || Std.Any(s => s <= 0))
        {
            throw new ArgumentException("mean and std need 3 values each, std positive");
        }
    }
}
