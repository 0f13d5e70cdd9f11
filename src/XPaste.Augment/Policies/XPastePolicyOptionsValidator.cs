using Microsoft.Extensions.Options;

namespace XPaste.Augment;

/// <summary>Checks <see cref="XPastePolicyOptions"/>.</summary>
internal sealed class XPastePolicyOptionsValidator : IValidateOptions<XPastePolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, XPastePolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return OptionsValidation.Result([.. options.Problems()]);
    }
}
