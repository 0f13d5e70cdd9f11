using Microsoft.Extensions.Options;

namespace XPaste.Extraction;

/// <summary>Checks <see cref="ClipSegExtractorOptions"/> (the model's patch size is checked by the extractor, which knows the model).</summary>
internal sealed class ClipSegExtractorOptionsValidator : IValidateOptions<ClipSegExtractorOptions>
{
    public ValidateOptionsResult Validate(string? name, ClipSegExtractorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.PromptTemplate is null || !options.PromptTemplate.Contains("{name}", StringComparison.Ordinal))
        {
            problems.Add($"PromptTemplate must contain {{name}}, got '{options.PromptTemplate}'");
        }

        if (options.InputSize < 1)
        {
            problems.Add($"InputSize must be positive (and a multiple of the model's patch size), got {options.InputSize}");
        }

        if (options.Mean is not { Count: 3 } || options.Std is not { Count: 3 } || options.Std.Any(s => !(s > 0)))
        {
            problems.Add("Mean and Std must be three values each, the standard deviations positive");
        }

        if (options.BatchSize < 1)
        {
            problems.Add($"BatchSize must be at least 1, got {options.BatchSize}");
        }

        if (options.Model is null)
        {
            problems.Add("Model must be set (ClipSegModelOptions.Default for the defaults)");
        }
        else
        {
            options.Model.AddProblems(problems);
        }

        return OptionsValidation.Result(problems);
    }
}
