using Microsoft.Extensions.Options;

namespace XPaste.Augment;

/// <summary>Checks <see cref="AugmentRunOptions"/>.</summary>
internal sealed class AugmentRunOptionsValidator : IValidateOptions<AugmentRunOptions>
{
    public ValidateOptionsResult Validate(string? name, AugmentRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.Count < 1)
        {
            problems.Add($"Count must be at least 1, got {options.Count}");
        }

        CocoPasteWriterOptionsValidator.AddProblems(options.Writer, problems, "Writer.");
        if (options.Inputs is null)
        {
            problems.Add("Inputs must be set (empty for none)");
        }

        // The preview is drawn by PreviewMosaic, so its limits apply here, before the run writes anything.
        PreviewMosaicOptionsValidator.AddProblems(options.PreviewColumns, options.PreviewTileSize, options.PreviewImages, problems,
            nameof(options.PreviewColumns), nameof(options.PreviewTileSize), nameof(options.PreviewImages));
        return OptionsValidation.Result(problems);
    }
}
