using System.Runtime.CompilerServices;
using XPaste.Abstractions;
using XPaste.Offline;
using static TorchSharp.torch;
using XPaste.Coco;
using XPaste.IO;

namespace XPaste.Generation.Categories;

/// <summary>
/// Candidates generated in process, category by category, without writing the raw images first: image <c>k</c> of a
/// category is <see cref="CategoryImageGenerator"/>'s picture <c>{category}/{k:04d}.png</c> (same prompt, same seed), so
/// the bank gets the same cut-outs as from generating to a folder and extracting that. Resumable: a bank that settled
/// an image skips it before anything is generated.
/// </summary>
/// <remarks>
/// The source name carries the hash of the pixel-changing settings (<c>generated:{hash}</c>), so a bank resumed with
/// other settings does not take old results for new ones. Disposing the source disposes the generator when
/// <c>ownsGenerator</c> was set.
/// </remarks>
public sealed class StableDiffusionInstanceSource : IResumableInstanceSource, IDisposable
{
    private readonly ITextToImageGenerator _generator;
    private readonly CategoryGenerationOptions _options;
    private readonly bool _ownsGenerator;

    /// <summary>Creates the source.</summary>
    /// <param name="generator">Makes the pixels: a <c>StableDiffusionGenerator</c> over a pipeline, usually.</param>
    /// <param name="categories">The categories to generate, in order.</param>
    /// <param name="options">Prompt template, images per category, run seed and batch size; defaults when null.</param>
    /// <param name="ownsGenerator">Dispose the generator with the source.</param>
    public StableDiffusionInstanceSource(ITextToImageGenerator generator, IReadOnlyList<CategoryInfo> categories,
        CategoryGenerationOptions? options = null, bool ownsGenerator = false)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(categories);
        _generator = generator;
        _options = options ?? new CategoryGenerationOptions();
        _options.Validate();
        _ownsGenerator = ownsGenerator;
        Categories = categories;
        foreach (CategoryInfo category in categories)
        {
            CategoryList.CheckFolderName("categories", category.Name);
        }

        var settings = new CategoryImageGenerator(generator, _options).Settings;
        Name = "generated:" + RunSettings.Hash(settings);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<CategoryInfo> Categories { get; }

    /// <inheritdoc />
    public int Count => Categories.Count * _options.PerCategory;

    /// <inheritdoc />
    public IAsyncEnumerable<SourceImage> ReadAsync(CancellationToken cancellationToken = default) => ReadAsync(_ => false, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<SourceImage> ReadAsync(Func<string, bool> skip, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(skip);
        foreach (CategoryInfo category in Categories)
        {
            int[] wanted = [.. Enumerable.Range(0, _options.PerCategory).Where(k => !skip(IdOf(category, k)))];
            var wantedSet = wanted.ToHashSet();
            string prompt = CategoryImageGenerator.PromptOf(_options.PromptTemplate, category);
            long baseSeed = CategoryImageGenerator.SeedOf(_options.Seed, category.Name);
            foreach ((int first, int count) in GenerationBatches.AtFixedPlaces(wanted, _options.BatchSize, _options.PerCategory))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = new List<SourceImage>(count);
                using (NewDisposeScope())
                {
                    Tensor images = _generator.Generate(prompt, count, baseSeed + first, cancellationToken);
                    for (int i = 0; i < count; i++)
                    {
                        if (!wantedSet.Contains(first + i))
                        {
                            continue;
                        }

                        string id = IdOf(category, first + i);
                        batch.Add(new SourceImage(id, category, images[i].clone(), mask: null, origin: $"{prompt} (seed {baseSeed + first + i})"));
                    }
                }

                foreach (SourceImage image in batch)
                {
                    yield return image;
                }

                // Generation is synchronous work; let the consumer's continuations run between batches.
                await Task.Yield();
            }
        }
    }

    /// <summary>The candidate id of image <paramref name="k"/> of <paramref name="category"/>, as a folder source names the file.</summary>
    /// <param name="category">The category.</param>
    /// <param name="k">The image index.</param>
    /// <returns><c>{category}/{k:04d}.png</c>.</returns>
    public static string IdOf(CategoryInfo category, int k) => $"{category.Name}/{CategoryImageGenerator.FileNameOf(k)}";

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsGenerator && _generator is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}
