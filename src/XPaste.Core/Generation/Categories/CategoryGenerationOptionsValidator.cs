using Microsoft.Extensions.Options;

namespace XPaste.Generation.Categories;

/// <summary>Checks <see cref="CategoryGenerationOptions"/>.</summary>
internal sealed class CategoryGenerationOptionsValidator : IValidateOptions<CategoryGenerationOptions>
{
    public ValidateOptionsResult Validate(string? name, CategoryGenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.PerCategory < 1)
        {
            problems.Add($"PerCategory must be at least 1 (got {options.PerCategory})");
        }

        if (options.BatchSize < 1)
        {
            problems.Add($"BatchSize must be at least 1 (got {options.BatchSize})");
        }

        if (options.Prompts?.FirstOrDefault(p => p.Value is null || p.Value.Count == 0 || p.Value.Any(string.IsNullOrWhiteSpace)) is { Key: not null } empty)
        {
            problems.Add($"Prompts: the list of '{empty.Key}' is empty or has an empty prompt");
        }

        if (string.IsNullOrWhiteSpace(options.PromptTemplate) || !options.PromptTemplate.Contains("{name}", StringComparison.Ordinal))
        {
            problems.Add($"PromptTemplate must contain {{name}} (got '{options.PromptTemplate}')");
        }

        return OptionsValidation.Result(problems);
    }
}
