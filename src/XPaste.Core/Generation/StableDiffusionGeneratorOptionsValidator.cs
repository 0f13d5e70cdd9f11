using Microsoft.Extensions.Options;

namespace XPaste.Generation;

/// <summary>Checks <see cref="StableDiffusionGeneratorOptions"/> (the size limit of a pipeline is checked by the generator).</summary>
internal sealed class StableDiffusionGeneratorOptionsValidator : IValidateOptions<StableDiffusionGeneratorOptions>
{
    public ValidateOptionsResult Validate(string? name, StableDiffusionGeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.Width is { } width && (width < 8 || width % 8 != 0))
        {
            problems.Add($"Width must be a positive multiple of 8, got {width}");
        }

        if (options.Height is { } height && (height < 8 || height % 8 != 0))
        {
            problems.Add($"Height must be a positive multiple of 8, got {height}");
        }

        if (options.Steps < 1)
        {
            problems.Add($"Steps must be at least 1, got {options.Steps}");
        }

        if (options.NegativePrompt is null)
        {
            problems.Add("NegativePrompt must be set (empty for none)");
        }

        return OptionsValidation.Result(problems);
    }
}
