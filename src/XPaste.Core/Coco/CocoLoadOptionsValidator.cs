using Microsoft.Extensions.Options;

namespace XPaste.Coco;

/// <summary>Checks <see cref="CocoLoadOptions"/>.</summary>
internal sealed class CocoLoadOptionsValidator : IValidateOptions<CocoLoadOptions>
{
    public ValidateOptionsResult Validate(string? name, CocoLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (!Enum.IsDefined(options.InvalidAnnotations))
        {
            problems.Add($"InvalidAnnotations must be one of {string.Join(", ", Enum.GetNames<InvalidAnnotationHandling>())}, got {options.InvalidAnnotations}");
        }

        return OptionsValidation.Result(problems);
    }
}
