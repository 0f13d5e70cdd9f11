using Microsoft.Extensions.Options;
using XPaste.Imaging;

namespace XPaste.Sources;

/// <summary>Checks <see cref="FolderSourceOptions"/>.</summary>
internal sealed class FolderSourceOptionsValidator : IValidateOptions<FolderSourceOptions>
{
    public ValidateOptionsResult Validate(string? name, FolderSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.Extensions is not { Count: > 0 })
        {
            problems.Add("Extensions must list at least one file extension");
        }
        else if (options.Extensions.Where(e => e is null || e.Length < 2 || e[0] != '.').Select(e => e ?? "null").ToList() is { Count: > 0 } bad)
        {
            problems.Add($"Extensions must each be a dot and a name (e.g. .png), got {string.Join(", ", bad.Select(e => $"'{e}'"))}");
        }

        if (options.OriginRelativeTo is { } origin && string.IsNullOrWhiteSpace(origin))
        {
            problems.Add("OriginRelativeTo must be null (full paths) or a folder path, got a blank string");
        }

        ImageLoadOptionsValidator.AddProblems(options.Load, problems, "Load.");
        return OptionsValidation.Result(problems);
    }
}
