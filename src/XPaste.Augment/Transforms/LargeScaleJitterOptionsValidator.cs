using Microsoft.Extensions.Options;

namespace XPaste.Augment;

/// <summary>Checks <see cref="LargeScaleJitterOptions"/>.</summary>
internal sealed class LargeScaleJitterOptionsValidator : IValidateOptions<LargeScaleJitterOptions>
{
    public ValidateOptionsResult Validate(string? name, LargeScaleJitterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return OptionsValidation.Result([.. options.Problems()]);
    }
}
