using Microsoft.Extensions.Options;

namespace XPaste.Generation;

/// <summary>Checks <see cref="StableDiffusionLoadOptions"/>.</summary>
internal sealed class StableDiffusionLoadOptionsValidator : IValidateOptions<StableDiffusionLoadOptions>
{
    public ValidateOptionsResult Validate(string? name, StableDiffusionLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.Variant is not null && (options.Variant.Length == 0 || options.Variant.IndexOfAny(['/', '\\', '.']) >= 0))
        {
            problems.Add($"Variant must be a plain name such as fp16, got '{options.Variant}'");
        }

        options.AddProblems(problems);
        return OptionsValidation.Result(problems);
    }
}
