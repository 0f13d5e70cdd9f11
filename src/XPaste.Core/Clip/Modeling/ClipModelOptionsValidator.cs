using Microsoft.Extensions.Options;

namespace XPaste.Clip;

/// <summary>Checks <see cref="ClipModelOptions"/>.</summary>
internal sealed class ClipModelOptionsValidator : IValidateOptions<ClipModelOptions>
{
    public ValidateOptionsResult Validate(string? name, ClipModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (!Enum.IsDefined(options.Precision))
        {
            problems.Add($"Precision must be Auto, Fp32, Fp16 or Bf16, got {options.Precision}");
        }

        options.AddProblems(problems);
        return OptionsValidation.Result(problems);
    }
}
