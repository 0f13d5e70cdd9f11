using Microsoft.Extensions.Options;

namespace XPaste.Yolo;

/// <summary>Checks <see cref="YoloLoadOptions"/>.</summary>
internal sealed class YoloLoadOptionsValidator : IValidateOptions<YoloLoadOptions>
{
    public ValidateOptionsResult Validate(string? name, YoloLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.Split is not ("train" or "val" or "test"))
        {
            problems.Add($"Split must be train, val or test, got '{options.Split}'");
        }

        return OptionsValidation.Result(problems);
    }
}
