using Microsoft.Extensions.Options;

namespace XPaste.Imaging;

/// <summary>Checks <see cref="ImageLoadOptions"/>.</summary>
internal sealed class ImageLoadOptionsValidator : IValidateOptions<ImageLoadOptions>
{
    public ValidateOptionsResult Validate(string? name, ImageLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        AddProblems(options, problems, prefix: "");
        return OptionsValidation.Result(problems);
    }

    /// <summary>Adds the problems of <paramref name="options"/>, each name prefixed (for options that hold a load setting).</summary>
    internal static void AddProblems(ImageLoadOptions? options, List<string> problems, string prefix)
    {
        if (options is null)
        {
            problems.Add($"{prefix}must be set (ImageLoadOptions.Default for the defaults)");
            return;
        }

        if (options.MaxPixels < 1)
        {
            problems.Add($"{prefix}MaxPixels must be at least 1, got {options.MaxPixels}");
        }

        if (!Enum.IsDefined(options.Channels))
        {
            problems.Add($"{prefix}Channels must be one of {string.Join(", ", Enum.GetNames<ImageChannels>())}, got {options.Channels}");
        }
    }
}
