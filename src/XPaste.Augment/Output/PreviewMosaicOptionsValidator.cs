using Microsoft.Extensions.Options;

namespace XPaste.Augment;

/// <summary>Checks <see cref="PreviewMosaicOptions"/>.</summary>
internal sealed class PreviewMosaicOptionsValidator : IValidateOptions<PreviewMosaicOptions>
{
    /// <summary>The smallest tile side: below it the labels no longer fit a tile.</summary>
    internal const int MinTileSize = 32;

    public ValidateOptionsResult Validate(string? name, PreviewMosaicOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        AddProblems(options.Columns, options.TileSize, options.MaxImages, problems, nameof(options.Columns), nameof(options.TileSize), nameof(options.MaxImages));
        return OptionsValidation.Result(problems);
    }

    /// <summary>Adds the problems of a preview layout, under the given setting names (shared with <see cref="AugmentRunOptions"/>).</summary>
    internal static void AddProblems(int columns, int tileSize, int maxImages, List<string> problems, string columnsName, string tileSizeName, string maxImagesName)
    {
        if (columns < 1)
        {
            problems.Add($"{columnsName} must be at least 1, got {columns}");
        }

        if (tileSize < MinTileSize)
        {
            problems.Add($"{tileSizeName} must be at least {MinTileSize} pixels, got {tileSize}");
        }

        if (maxImages < 1)
        {
            problems.Add($"{maxImagesName} must be at least 1, got {maxImages}");
        }
    }
}
