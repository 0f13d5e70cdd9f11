using Microsoft.Extensions.Options;

namespace XPaste.Clip;

/// <summary>Checks <see cref="ClipImageProcessorOptions"/>.</summary>
internal sealed class ClipImageProcessorOptionsValidator : IValidateOptions<ClipImageProcessorOptions>
{
    public ValidateOptionsResult Validate(string? name, ClipImageProcessorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.ShortestEdge <= 0 || options.CropSize <= 0 || options.CropSize > options.ShortestEdge)
        {
            problems.Add($"need 0 < CropSize ({options.CropSize}) <= ShortestEdge ({options.ShortestEdge})");
        }

        if (options.Mean is not { Count: 3 })
        {
            problems.Add("Mean needs three values");
        }

        if (options.Std is not { Count: 3 } || options.Std.Any(s => !(s > 0)))
        {
            problems.Add("Std needs three positive values");
        }

        return OptionsValidation.Result(problems);
    }
}
