using Microsoft.Extensions.Options;

namespace XPaste.Clip;

/// <summary>Checks <see cref="ClipZeroShotOptions"/>.</summary>
internal sealed class ClipZeroShotOptionsValidator : IValidateOptions<ClipZeroShotOptions>
{
    public ValidateOptionsResult Validate(string? name, ClipZeroShotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Templates is not { Count: > 0 })
        {
            failures.Add("Templates needs at least one template.");
        }
        else if (options.Templates.Any(t => t is null || !t.Contains(ClipZeroShotOptions.NamePlaceholder, StringComparison.Ordinal)))
        {
            failures.Add($"every template must contain {ClipZeroShotOptions.NamePlaceholder}.");
        }

        if (!float.IsFinite(options.MinScore))
        {
            failures.Add($"MinScore must be finite, not {options.MinScore}.");
        }

        if (!float.IsFinite(options.Tolerance) || options.Tolerance < 0)
        {
            failures.Add($"Tolerance must be finite and >= 0, not {options.Tolerance}.");
        }

        if (options.Model is null)
        {
            failures.Add("Model must be set (ClipModelOptions.Default for the defaults).");
        }

        if (options.BatchSize < 1)
        {
            failures.Add($"BatchSize must be >= 1, not {options.BatchSize}.");
        }

        if (options.RejectIfOtherCategoryWinsBy is { } margin)
        {
            if (!float.IsFinite(margin) || margin < 0)
            {
                failures.Add($"RejectIfOtherCategoryWinsBy must be finite and >= 0, not {margin}.");
            }

            if (options.Categories is not { Count: > 0 })
            {
                failures.Add("RejectIfOtherCategoryWinsBy needs Categories to compete against.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
