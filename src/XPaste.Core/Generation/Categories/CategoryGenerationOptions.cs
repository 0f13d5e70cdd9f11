namespace XPaste.Generation.Categories;

/// <summary>Options of <see cref="CategoryImageGenerator"/>: what to make per category and how the seeds are derived.</summary>
public sealed class CategoryGenerationOptions
{
    /// <summary>The prompt, with <c>{name}</c> replaced by the category name with underscores as spaces. X-Paste: <c>a photo of a single {name}</c>.</summary>
    public string PromptTemplate { get; set; } = "a photo of a single {name}";

    /// <summary>Images per category (X-Paste's published recipe: 100). At least 1.</summary>
    public int PerCategory { get; set; } = 100;

    /// <summary>
    /// The run seed. Image <c>k</c> of a category uses seed <see cref="CategoryImageGenerator.SeedOf"/>(run seed, name) + k,
    /// so a picture does not depend on the batch size, the shard count or how often the run was interrupted.
    /// </summary>
    public long Seed { get; set; }

    /// <summary>
    /// Prompt lists per category name (DiverGen's prompt diversity; off by default): image <c>k</c> of a category uses
    /// entry <c>k mod n</c> of its list, a prompt or a template with <c>{name}</c>; categories not listed use
    /// <see cref="PromptTemplate"/>. Each image's prompt is recorded in <c>metadata.jsonl</c>. Null for none.
    /// Load a file with <see cref="PromptLists.Load"/>.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Prompts { get; set; }

    /// <summary>Images generated together (of one category). At least 1.</summary>
    public int BatchSize { get; set; } = 4;

    /// <summary>
    /// Start over: delete the images of the run's categories when the folder was made with other settings, instead of
    /// refusing to mix them.
    /// </summary>
    public bool StartOver { get; set; }

    /// <summary>Checks the values.</summary>
    internal void Validate() => OptionsValidation.ThrowIfInvalid(new CategoryGenerationOptionsValidator(), this);
}
