using Microsoft.Extensions.Options;
using XPaste.Imaging;

namespace XPaste.Sources;

/// <summary>Which annotations <see cref="DatasetInstanceSource"/> cuts out, and how it reads the images.</summary>
public sealed class DatasetSourceOptions
{
    /// <summary>Leave out crowd annotations (<c>iscrowd: 1</c>): they cover groups of objects, not one. Default true.</summary>
    public bool SkipCrowd { get; init; } = true;

    /// <summary>
    /// Leave out annotations whose area is below this many pixels. Compared with the annotation's <c>area</c> field, or
    /// the decoded mask's pixel count when the field is absent. Default 0 (keep all).
    /// </summary>
    public double MinArea { get; init; }

    /// <summary>Only these category ids; null for all. Default null.</summary>
    public IReadOnlySet<int>? CategoryIds { get; init; }

    /// <summary>
    /// Crop each candidate's image and mask to the mask's tight box, so a candidate holds only its object. Default true.
    /// When false every candidate carries its whole image.
    /// </summary>
    public bool CropToObject { get; init; } = true;

    /// <summary>How images are decoded; channels are always forced to RGB. Default <see cref="ImageLoadOptions.Default"/> (EXIF orientation applied, as detectron2 reads COCO).</summary>
    public ImageLoadOptions Load { get; init; } = ImageLoadOptions.Default;

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new DatasetSourceOptionsValidator(), this);
}

/// <summary>Validates <see cref="DatasetSourceOptions"/> (the <see cref="IValidateOptions{TOptions}"/> pattern: register it to check the options at start).</summary>
internal sealed class DatasetSourceOptionsValidator : IValidateOptions<DatasetSourceOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DatasetSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DatasetSourceOptions o = options;
        var problems = new List<string>();
        if (!(o.MinArea >= 0))
        {
            problems.Add($"MinArea must be zero or more, got {o.MinArea}");
        }

        ImageLoadOptionsValidator.AddProblems(o.Load, problems, "Load.");

        return OptionsValidation.Result(problems);
    }
}
