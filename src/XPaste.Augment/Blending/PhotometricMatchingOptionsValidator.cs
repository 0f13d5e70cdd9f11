using Microsoft.Extensions.Options;

namespace XPaste.Augment;

/// <summary>Checks <see cref="PhotometricMatchingOptions"/>.</summary>
internal sealed class PhotometricMatchingOptionsValidator : IValidateOptions<PhotometricMatchingOptions>
{
    public ValidateOptionsResult Validate(string? name, PhotometricMatchingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        AddProblems(options, problems, prefix: "");
        return OptionsValidation.Result(problems);
    }

    /// <summary>Adds the problems of <paramref name="options"/>, each name prefixed (for options that hold these settings).</summary>
    internal static void AddProblems(PhotometricMatchingOptions? options, List<string> problems, string prefix)
    {
        if (options is null)
        {
            problems.Add($"{prefix}must not be null");
            return;
        }

        if (!(options.Strength is >= 0 and <= 1))
        {
            problems.Add($"{prefix}Strength must be in [0, 1], got {options.Strength}");
        }

        if (!(options.MinGain > 0) || !(options.MaxGain >= options.MinGain))
        {
            problems.Add($"{prefix}gains must satisfy 0 < MinGain <= MaxGain, got {options.MinGain} and {options.MaxGain}");
        }
    }
}
