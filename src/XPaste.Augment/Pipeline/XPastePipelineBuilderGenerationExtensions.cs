using XPaste.Abstractions;
using XPaste.Generation;
using XPaste.Generation.Categories;

namespace XPaste.Augment;

/// <summary>Adds in-process image generation (Stable Diffusion) as an instance source of the offline stage.</summary>
public static class XPastePipelineBuilderGenerationExtensions
{
    /// <summary>
    /// Adds a <see cref="StableDiffusionInstanceSource"/>: each category's images are generated in process and go
    /// straight to extraction, without being written first. The source owns the generator the factory makes (disposed
    /// with the container).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="generator">Makes the generator (e.g. a <c>StableDiffusionGenerator</c> over a pipeline loaded on the GPU).</param>
    /// <param name="categories">The categories to generate.</param>
    /// <param name="options">Prompt template, images per category, run seed, batch; defaults when null.</param>
    /// <returns>The builder.</returns>
    public static XPastePipelineBuilder AddStableDiffusionSource(this XPastePipelineBuilder builder,
        Func<IServiceProvider, ITextToImageGenerator> generator, IReadOnlyList<CategoryInfo> categories, CategoryGenerationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(categories);
        options?.Validate();
        return builder.AddSource(services => new StableDiffusionInstanceSource(generator(services), categories, options, ownsGenerator: true));
    }
}
