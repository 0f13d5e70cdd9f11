using XPaste.Abstractions;

namespace XPaste.Clip;

/// <summary>Options of <see cref="ClipZeroShotFilter"/>; the defaults are the X-Paste reference's.</summary>
public sealed class ClipZeroShotOptions
{
    /// <summary>The placeholder in <see cref="Templates"/> replaced by the category's prompt name.</summary>
    public const string NamePlaceholder = "{name}";

    /// <summary>
    /// Prompt templates; <c>{name}</c> becomes the category name with underscores turned into spaces. Several
    /// templates are ensembled: their normalised text embeddings are averaged. Default <c>a photo of {name}</c>.
    /// </summary>
    public IReadOnlyList<string> Templates { get; set; } = ["a photo of " + NamePlaceholder];

    /// <summary>The reference's <c>min_clip</c>: a score this high is always kept. Default 21.</summary>
    public float MinScore { get; set; } = 21f;

    /// <summary>The reference's tolerance: a score within this of the category's best is kept too. Default 1.</summary>
    public float Tolerance { get; set; } = 1f;

    /// <summary>Images per forward pass of the image tower. Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// Off (null) by default. When set, an image whose best zero-shot category among <see cref="Categories"/> is
    /// another one, scoring more than this above the image's own category, gets the score
    /// <see cref="float.NegativeInfinity"/>, which <see cref="ClipZeroShotFilter.Decide(IReadOnlyList{float})"/> always drops.
    /// </summary>
    public float? RejectIfOtherCategoryWinsBy { get; set; }

    /// <summary>The categories an image competes against when <see cref="RejectIfOtherCategoryWinsBy"/> is set.</summary>
    public IReadOnlyList<CategoryInfo>? Categories { get; set; }

    /// <summary>How <see cref="ClipZeroShotFilter.FromPretrained"/> loads the model (device, Hub settings, precision, logger). Default <see cref="ClipModelOptions.Default"/>.</summary>
    public ClipModelOptions Model { get; set; } = ClipModelOptions.Default;
}
