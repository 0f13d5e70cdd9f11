using Microsoft.Extensions.Options;

namespace XPaste.Offline;

/// <summary>Validates <see cref="OfflinePipelineOptions"/> (the <see cref="IValidateOptions{TOptions}"/> pattern: register it to check the options at start).</summary>
internal sealed class OfflinePipelineOptionsValidator : IValidateOptions<OfflinePipelineOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OfflinePipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        OfflinePipelineOptions o = options;
        var problems = new List<string>();
        if (o.BatchSize < 1)
        {
            problems.Add($"BatchSize must be at least 1, got {o.BatchSize}");
        }

        if (o.Selection is null)
        {
            problems.Add("Selection must not be null");
        }

        if (o.NearDuplicateDistance is < 0 or > 64)
        {
            problems.Add($"NearDuplicateDistance must be 0 to 64 bits when set, got {o.NearDuplicateDistance}");
        }

        if (o.PerCategoryBudget is < 1)
        {
            problems.Add($"PerCategoryBudget must be at least 1 when set, got {o.PerCategoryBudget}");
        }

        if (o.RealSimilarity is { } real)
        {
            if (real.Dataset is null)
            {
                problems.Add("RealSimilarity.Dataset must not be null");
            }

            if (string.IsNullOrWhiteSpace(real.ImagesFolder))
            {
                problems.Add("RealSimilarity.ImagesFolder must name the dataset's images folder");
            }

            if (!(real.MinSimilarity is >= -1 and <= 1))
            {
                problems.Add($"RealSimilarity.MinSimilarity must be between -1 and 1 (a cosine), got {real.MinSimilarity}");
            }

            if (real.MaxCropsPerCategory < 1)
            {
                problems.Add($"RealSimilarity.MaxCropsPerCategory must be at least 1, got {real.MaxCropsPerCategory}");
            }

            if (real.MinCropSide < 1)
            {
                problems.Add($"RealSimilarity.MinCropSide must be at least 1 pixel, got {real.MinCropSide}");
            }
        }

        return OptionsValidation.Result(problems);
    }
}
