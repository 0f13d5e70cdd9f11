using Microsoft.Extensions.Options;

namespace XPaste.Augment;

/// <summary>Checks <see cref="SimpleCopyPasteOptions"/>.</summary>
internal sealed class SimpleCopyPasteOptionsValidator : IValidateOptions<SimpleCopyPasteOptions>
{
    public ValidateOptionsResult Validate(string? name, SimpleCopyPasteOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return OptionsValidation.Result([.. options.Problems()]);
    }
}
