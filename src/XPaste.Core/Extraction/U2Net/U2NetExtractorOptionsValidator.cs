using Microsoft.Extensions.Options;

namespace XPaste.Extraction;

/// <summary>Checks <see cref="U2NetExtractorOptions"/>.</summary>
internal sealed class U2NetExtractorOptionsValidator : IValidateOptions<U2NetExtractorOptions>
{
    public ValidateOptionsResult Validate(string? name, U2NetExtractorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        U2NetExtractorOptions o = options;
        var problems = new List<string>();
        if (o.InputSize < 8)
        {
            problems.Add($"InputSize must be at least 8 pixels, got {o.InputSize}");
        }

        if (o.SideOutput is < 0 or > 6)
        {
            problems.Add($"SideOutput must be 0 (fused) to 6, the side outputs U^2-Net has, got {o.SideOutput}");
        }

        if (o.BatchSize < 1)
        {
            problems.Add($"BatchSize must be at least 1, got {o.BatchSize}");
        }

        if (o.Model is null)
        {
            problems.Add("Model must be set (U2NetOptions.Default for the defaults)");
        }
        else
        {
            o.Model.AddProblems(problems);
        }

        return OptionsValidation.Result(problems);
    }
}
