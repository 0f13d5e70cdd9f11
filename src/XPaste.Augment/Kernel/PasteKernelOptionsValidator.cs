using Microsoft.Extensions.Options;

namespace XPaste.Augment;

/// <summary>Checks <see cref="PasteKernelOptions"/>.</summary>
internal sealed class PasteKernelOptionsValidator : IValidateOptions<PasteKernelOptions>
{
    public ValidateOptionsResult Validate(string? name, PasteKernelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return OptionsValidation.Result([.. options.Problems()]);
    }
}
