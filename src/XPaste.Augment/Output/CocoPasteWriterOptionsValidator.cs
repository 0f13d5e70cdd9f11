using Microsoft.Extensions.Options;

namespace XPaste.Augment;

/// <summary>Checks <see cref="CocoPasteWriterOptions"/>.</summary>
internal sealed class CocoPasteWriterOptionsValidator : IValidateOptions<CocoPasteWriterOptions>
{
    public ValidateOptionsResult Validate(string? name, CocoPasteWriterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        AddProblems(options, problems, prefix: "");
        return OptionsValidation.Result(problems);
    }

    /// <summary>Adds the problems of <paramref name="options"/>, each name prefixed (for options that hold writer settings).</summary>
    internal static void AddProblems(CocoPasteWriterOptions? options, List<string> problems, string prefix)
    {
        if (options is null)
        {
            problems.Add($"{prefix}must be set (new CocoPasteWriterOptions() for the defaults)");
            return;
        }

        if (!Enum.IsDefined(options.Format))
        {
            problems.Add($"{prefix}Format {options.Format} is not an image format");
        }

        if (options.JpegQuality is < 1 or > 100)
        {
            problems.Add($"{prefix}JpegQuality must be 1-100, got {options.JpegQuality}");
        }

        if (!IsPlainFolderName(options.ImagesFolderName))
        {
            problems.Add($"{prefix}ImagesFolderName must be one plain folder name, got '{options.ImagesFolderName}'");
        }

        if (!Enum.IsDefined(options.LabelFormat))
        {
            problems.Add($"{prefix}LabelFormat {options.LabelFormat} is not a label format");
        }
    }

    /// <summary>Whether <paramref name="folder"/> names one folder directly under another (no separators, not . or ..).</summary>
    internal static bool IsPlainFolderName(string? folder) =>
        !string.IsNullOrWhiteSpace(folder) && folder is not ("." or "..") && folder.IndexOfAny(['/', '\\']) < 0
        && folder.IndexOfAny(Path.GetInvalidFileNameChars()) < 0;
}
