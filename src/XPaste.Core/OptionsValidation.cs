using Microsoft.Extensions.Options;

namespace XPaste;

/// <summary>
/// The one way options are checked outside DI: by their <see cref="IValidateOptions{TOptions}"/> validator (the same
/// one DI runs at start), failing with an <see cref="OptionsValidationException"/> that lists every problem.
/// </summary>
internal static class OptionsValidation
{
    public static void ThrowIfInvalid<TOptions>(IValidateOptions<TOptions> validator, TOptions options)
        where TOptions : class
    {
        ValidateOptionsResult result = validator.Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), result.Failures);
        }
    }

    /// <summary>A validation result from a list of problems.</summary>
    public static ValidateOptionsResult Result(List<string> problems) =>
        problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
}
