using Microsoft.Extensions.Options;

namespace XPaste.Extraction;

/// <summary>Validates <see cref="SamExtractorOptions"/> (the <see cref="IValidateOptions{TOptions}"/> pattern: register it to check the options at start).</summary>
internal sealed class SamExtractorOptionsValidator : IValidateOptions<SamExtractorOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SamExtractorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.PromptThreshold is < 0 or > 254)
        {
            problems.Add($"PromptThreshold must be 0 to 254, got {options.PromptThreshold}");
        }

        if (options.BatchSize < 1)
        {
            problems.Add($"BatchSize must be at least 1, got {options.BatchSize}");
        }

        if (!Enum.IsDefined(options.MaskChoice))
        {
            problems.Add($"MaskChoice must be HighestIou or All, got {(int)options.MaskChoice}");
        }

        if (!double.IsFinite(options.MaskThreshold))
        {
            problems.Add($"MaskThreshold must be finite, got {options.MaskThreshold}");
        }

        if (options.Model is null)
        {
            problems.Add("Model must be set (SamLoadOptions.Default for the defaults)");
        }

        return OptionsValidation.Result(problems);
    }
}
