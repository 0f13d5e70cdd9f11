using Microsoft.Extensions.Options;
namespace XPaste.Extraction;

/// <summary>Options for <see cref="InstancePostProcessor"/>; the defaults are X-Paste's published recipe.</summary>
public sealed class InstancePostProcessorOptions
{
    /// <summary>The shared default options.</summary>
    public static InstancePostProcessorOptions Default { get; } = new();

    /// <summary>Foreground is mask &gt; this value (0-255). Default 128.</summary>
    public byte AlphaThreshold { get; init; } = 128;

    /// <summary>Keep only the largest connected component (by pixel count; ties to the first in raster order). Default true.</summary>
    public bool KeepLargestComponent { get; init; } = true;

    /// <summary>Add the background regions the kept pixels enclose. Default true.</summary>
    public bool FillHoles { get; init; } = true;

    /// <summary>Connectivity of the foreground; holes use the other one. Default <see cref="MaskConnectivity.Eight"/>.</summary>
    public MaskConnectivity Connectivity { get; init; } = MaskConnectivity.Eight;

    /// <summary>
    /// The smallest accepted fraction of the image above the threshold (measured before the component selection, as
    /// the reference does). Default 0.05.
    /// </summary>
    public double MinArea { get; init; } = 0.05;

    /// <summary>The largest accepted fraction of the image above the threshold. Default 0.95.</summary>
    public double MaxArea { get; init; } = 0.95;

    /// <summary>
    /// The kept region's box must be at least this many pixels wide and tall. Default 2 (the reference drops boxes
    /// whose first and last row, or column, coincide).
    /// </summary>
    public int MinSide { get; init; } = 2;

    /// <summary>
    /// Measure the area rule on the kept region (largest component with holes filled) instead of every foreground
    /// pixel. Default false (the reference); true in the <c>quality</c> selection.
    /// </summary>
    public bool MeasureKeptRegion { get; init; }

    /// <summary>The cut-out's short side must be at least this many pixels. Default 0 (the reference has no such rule); 32 in the <c>quality</c> selection.</summary>
    public int MinCutoutSide { get; init; }

    /// <summary>What the cut-out's alpha holds. Default <see cref="CutoutAlpha.Mask"/> (the reference).</summary>
    public CutoutAlpha Alpha { get; init; } = CutoutAlpha.Mask;

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new InstancePostProcessorOptionsValidator(), this);
}

/// <summary>Validates <see cref="InstancePostProcessorOptions"/> (the <see cref="IValidateOptions{TOptions}"/> pattern: register it to check the options at start).</summary>
internal sealed class InstancePostProcessorOptionsValidator : IValidateOptions<InstancePostProcessorOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, InstancePostProcessorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        InstancePostProcessorOptions o = options;
        var problems = new List<string>();
        if (!(o.MinArea >= 0 && o.MinArea <= o.MaxArea && o.MaxArea <= 1))
        {
            problems.Add($"need 0 <= MinArea ({o.MinArea}) <= MaxArea ({o.MaxArea}) <= 1");
        }

        if (o.MinSide < 1)
        {
            problems.Add($"MinSide must be at least 1, got {o.MinSide}");
        }

        if (o.MinCutoutSide < 0)
        {
            problems.Add($"MinCutoutSide must not be negative, got {o.MinCutoutSide}");
        }

        if (!Enum.IsDefined(o.Connectivity))
        {
            problems.Add($"Connectivity must be Four or Eight, got {o.Connectivity}");
        }

        if (!Enum.IsDefined(o.Alpha))
        {
            problems.Add($"Alpha must be Mask or Opaque, got {o.Alpha}");
        }

        return OptionsValidation.Result(problems);
    }
}
