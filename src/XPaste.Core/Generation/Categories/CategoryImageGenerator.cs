using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.Abstractions;
using XPaste.Imaging;
using XPaste.IO;
using XPaste.Offline;
using static TorchSharp.torch;
using XPaste.Coco;

namespace XPaste.Generation.Categories;

/// <summary>
/// Generates the reference's per-category images, <c>{out}/{category}/{k:04d}.png</c> (the layout
/// <c>FolderInstanceSource</c> reads), with one metadata line per image in <c>{out}/{category}/metadata.jsonl</c>.
/// </summary>
/// <remarks>
/// <para>
/// Resumable and idempotent: a rerun keeps every image that exists and decodes at the right size, and makes the missing
/// or unreadable ones again; images are written atomically (temporary file, then rename). The seed of image
/// <c>k</c> depends only on the run seed, the category name and <c>k</c>, so the result is the same picture whatever the
/// batch size, the shard count or the interruptions. Several processes may fill disjoint categories of one folder
/// at once (shards).
/// </para>
/// <para>
/// The settings that change pixels (the generator's <see cref="ITextToImageGenerator.Settings"/>, the prompt template and
/// the run seed) are recorded in <c>{out}/.xpaste-generate.json</c>; a run with other settings is refused with
/// <see cref="RunSettingsConflictException"/> naming the setting, unless
/// <see cref="CategoryGenerationOptions.StartOver"/> is set.
/// </para>
/// </remarks>
public sealed partial class CategoryImageGenerator
{
    /// <summary>The settings file a generation folder carries.</summary>
    public const string SettingsFileName = ".xpaste-generate.json";

    /// <summary>The per-category metadata file.</summary>
    public const string MetadataFileName = "metadata.jsonl";

    private readonly ITextToImageGenerator _generator;
    private readonly CategoryGenerationOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the stage.</summary>
    /// <param name="generator">Makes the pixels (Stable Diffusion, or a fake in tests).</param>
    /// <param name="options">Prompt, count, seed, batch; defaults when null.</param>
    /// <param name="logger">Receives per-category notes; none when null.</param>
    public CategoryImageGenerator(ITextToImageGenerator generator, CategoryGenerationOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        _generator = generator;
        _options = options ?? new CategoryGenerationOptions();
        _options.Validate();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The base seed of a category: image <c>k</c> uses this plus <c>k</c>.</summary>
    /// <param name="runSeed">The run seed.</param>
    /// <param name="categoryName">The category name.</param>
    /// <returns>A seed in [0, 2^48).</returns>
    public static long SeedOf(long runSeed, string categoryName)
    {
        ArgumentNullException.ThrowIfNull(categoryName);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{runSeed}\n{categoryName}")), hash);
        // 48 bits leave room for + k without overflow and stay exact in JSON readers that use doubles.
        return (long)(BinaryPrimitives.ReadUInt64LittleEndian(hash) & 0xFFFF_FFFF_FFFFUL);
    }

    /// <summary>The prompt for a category: the template with <c>{name}</c> replaced by the name with underscores as spaces.</summary>
    /// <param name="template">The template.</param>
    /// <param name="category">The category.</param>
    /// <returns>The prompt.</returns>
    public static string PromptOf(string template, CategoryInfo category) =>
        template.Replace("{name}", category.PromptName, StringComparison.Ordinal);

    /// <summary>The file name of image <paramref name="k"/>: <c>{k:04d}.png</c>.</summary>
    /// <param name="k">The image index within its category.</param>
    /// <returns>The name.</returns>
    public static string FileNameOf(int k) => string.Create(CultureInfo.InvariantCulture, $"{k:D4}.png");

    /// <summary>The settings recorded for this stage (the generator's, the prompt template and the run seed).</summary>
    public IReadOnlyDictionary<string, string> Settings
    {
        get
        {
            var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach ((string key, string value) in _generator.Settings)
            {
                settings[key] = value;
            }

            settings["prompt_template"] = _options.PromptTemplate;
            settings["seed"] = _options.Seed.ToString(CultureInfo.InvariantCulture);
            if (_options.Prompts is { } prompts)
            {
                // Recorded only when set, so folders made before prompt lists existed still resume.
                settings["prompts"] = PromptLists.Hash(prompts);
            }

            return settings;
        }
    }

    /// <summary>Makes the images of <paramref name="categories"/> that <paramref name="outputFolder"/> lacks.</summary>
    /// <param name="outputFolder">The root of the category folders; created if missing.</param>
    /// <param name="categories">The categories to fill (e.g. one shard's).</param>
    /// <param name="progress">Receives <c>generate</c> progress in images (images already there included).</param>
    /// <param name="cancellationToken">Stops between batches (and inside a batch between denoising steps); written images stay.</param>
    /// <returns>Counts of what was made and kept.</returns>
    /// <exception cref="RunSettingsConflictException">The folder holds images made with other settings.</exception>
    public CategoryGenerationResult Run(string outputFolder, IReadOnlyList<CategoryInfo> categories,
        IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        ArgumentNullException.ThrowIfNull(categories);
        Directory.CreateDirectory(outputFolder);
        IReadOnlyDictionary<string, string> settings = Settings;
        RunSettings.CheckOrWrite(Path.Combine(outputFolder, SettingsFileName), settings, _options.StartOver);
        var counter = new Counter(progress, (long)categories.Count * _options.PerCategory);
        foreach (CategoryInfo category in categories)
        {
            FillCategory(outputFolder, category, _options.PerCategory, settings, counter, cancellationToken);
        }

        return new CategoryGenerationResult(counter.Generated, counter.Kept);
    }

    /// <summary>
    /// Makes the images <c>0..count-1</c> of one category that <paramref name="outputFolder"/> lacks (a budgeted run
    /// generates a category in chunks and stops once enough instances are kept). The pictures are those a whole run makes.
    /// </summary>
    /// <param name="outputFolder">The root of the category folders; created if missing.</param>
    /// <param name="category">The category.</param>
    /// <param name="count">How many of the category's first images to have, at most <see cref="CategoryGenerationOptions.PerCategory"/>.</param>
    /// <param name="progress">Receives <c>generate</c> progress in images of this call.</param>
    /// <param name="cancellationToken">Stops between batches; written images stay.</param>
    internal CategoryGenerationResult RunCategory(string outputFolder, CategoryInfo category, int count,
        IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _options.PerCategory);
        Directory.CreateDirectory(outputFolder);
        IReadOnlyDictionary<string, string> settings = Settings;
        RunSettings.CheckOrWrite(Path.Combine(outputFolder, SettingsFileName), settings, _options.StartOver);
        var counter = new Counter(progress, count);
        FillCategory(outputFolder, category, count, settings, counter, cancellationToken);
        return new CategoryGenerationResult(counter.Generated, counter.Kept);
    }

    /// <summary>The images per category (<see cref="CategoryGenerationOptions.PerCategory"/>).</summary>
    internal int PerCategory => _options.PerCategory;

    /// <summary>Images per generator call (<see cref="CategoryGenerationOptions.BatchSize"/>).</summary>
    internal int BatchSize => _options.BatchSize;

    private void FillCategory(string outputFolder, CategoryInfo category, int count, IReadOnlyDictionary<string, string> settings, Counter counter,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string folder = Path.Combine(outputFolder, CategoryList.CheckFolderName(outputFolder, category.Name));
        string[] prompts = _options.Prompts?.TryGetValue(category.Name, out IReadOnlyList<string>? list) == true
            ? [.. list.Select(p => PromptOf(p, category))]
            : [PromptOf(_options.PromptTemplate, category)];
        Fill(folder, category, prompts, SeedOf(_options.Seed, category.Name), settings, counter, count, cancellationToken);
    }

    /// <summary>
    /// Makes the images of one prompt that <paramref name="outputFolder"/> lacks, <c>{out}/{k:04d}.png</c>: a
    /// one-category run (<c>xpaste generate --prompt</c>) with the same settings record, refusal by name and
    /// <see cref="CategoryGenerationOptions.StartOver"/>. Image <c>k</c> uses seed <see cref="CategoryGenerationOptions.Seed"/>
    /// + k (the picture diffusers makes for that seed); <see cref="CategoryGenerationOptions.PerCategory"/> is the count.
    /// </summary>
    /// <param name="outputFolder">The folder; created if missing.</param>
    /// <param name="prompt">The prompt, used as written.</param>
    /// <param name="progress">Receives <c>generate</c> progress in images (images already there included).</param>
    /// <param name="cancellationToken">Stops between batches; written images stay.</param>
    /// <returns>Counts of what was made and kept.</returns>
    /// <exception cref="RunSettingsConflictException">The folder holds images made with other settings (prompt, seed, model, scheduler, size...).</exception>
    public CategoryGenerationResult RunPrompt(string outputFolder, string prompt, IProgress<OperationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        Directory.CreateDirectory(outputFolder);
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in _generator.Settings)
        {
            settings[key] = value;
        }

        settings["prompt"] = prompt;
        settings["seed"] = _options.Seed.ToString(CultureInfo.InvariantCulture);
        RunSettings.CheckOrWrite(Path.Combine(outputFolder, SettingsFileName), settings, _options.StartOver);
        var counter = new Counter(progress, _options.PerCategory);
        Fill(outputFolder, null, [prompt], _options.Seed, settings, counter, _options.PerCategory, cancellationToken);
        return new CategoryGenerationResult(counter.Generated, counter.Kept);
    }

    /// <summary>
    /// Fills one folder: images <c>0..PerCategory-1</c>, image k from prompt <c>k mod n</c> and seed <paramref name="baseSeed"/> + k.
    /// With several prompts each image is its own call (a call takes one prompt; the picture is the same). Only images
    /// below <paramref name="upTo"/> are looked at and made; batches stay at the whole run's fixed places.
    /// </summary>
    private void Fill(string folder, CategoryInfo? category, string[] prompts, long baseSeed, IReadOnlyDictionary<string, string> settings,
        Counter counter, int upTo, CancellationToken cancellationToken)
    {
        string settingsHash = RunSettings.Hash(settings);
        Directory.CreateDirectory(folder);
        CategoryMetadata.DeleteTemporaryFiles(folder);
        var metadata = CategoryMetadata.Load(Path.Combine(folder, MetadataFileName));
        List<int> missing = FindMissing(folder, metadata, settingsHash, upTo);
        counter.Kept += upTo - missing.Count;
        counter.Advance(upTo - missing.Count);

        var wanted = missing.ToHashSet();
        IEnumerable<(int First, int Count)> calls = prompts.Length == 1
            ? GenerationBatches.AtFixedPlaces(missing, _options.BatchSize, _options.PerCategory)
            : missing.Select(k => (k, 1));
        foreach ((int first, int count) in calls)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int made = 0;
            string prompt = prompts[first % prompts.Length];
            using (NewDisposeScope())
            {
                Tensor images = _generator.Generate(prompt, count, baseSeed + first, cancellationToken);
                CheckShape(images, count);
                Tensor cpu = images.cpu();
                for (int i = 0; i < count; i++)
                {
                    int k = first + i;
                    if (!wanted.Contains(k))
                    {
                        continue;
                    }

                    ImageIO.SavePng(cpu[i], Path.Combine(folder, FileNameOf(k)));
                    metadata.Set(k, settingsHash, CategoryMetadata.Line(FileNameOf(k), category, k, prompt, baseSeed + k, settingsHash, settings));
                    made++;
                }
            }

            // After the images: a crash between the two leaves an image whose line the next run writes again.
            metadata.Save();
            counter.Generated += made;
            counter.Advance(made);
        }

        metadata.Save();
        GenerationLog.CategoryDone(_logger, category?.Name ?? prompts[0], upTo, missing.Count);
    }

    /// <summary>Counts and reports a run's images.</summary>
    private sealed class Counter(IProgress<OperationProgress>? progress, long total)
    {
        private long _done;

        public int Generated { get; set; }

        public int Kept { get; set; }

        public void Advance(int images)
        {
            _done += images;
            progress?.Report(new OperationProgress("generate", _done, total, "images"));
        }
    }

    private void CheckShape(Tensor images, int count)
    {
        if (images.dtype != ScalarType.Byte || images.ndim != 4 || images.shape[0] != count || images.shape[1] != 3
            || images.shape[2] != _generator.Height || images.shape[3] != _generator.Width)
        {
            throw new InvalidOperationException(
                $"the generator returned {images.dtype} [{string.Join(",", images.shape)}], expected uint8 [{count},3,{_generator.Height},{_generator.Width}]");
        }
    }

    /// <summary>
    /// The indices whose image is missing, unreadable, of the wrong size, or (when starting over) made with other
    /// settings; their metadata lines are dropped. An image without a metadata line (a crash between the two writes) is
    /// made again: same seed, same pixels.
    /// </summary>
    private List<int> FindMissing(string folder, CategoryMetadata metadata, string settingsHash, int count)
    {
        var missing = new List<int>();
        for (int k = 0; k < count; k++)
        {
            string path = Path.Combine(folder, FileNameOf(k));
            string? hash = metadata.SettingsHashOf(k);
            if (hash is not null && hash != settingsHash && !_options.StartOver)
            {
                throw new RunSettingsConflictException(path, "settings_hash",
                    $"was made with settings {hash}, this run has {settingsHash} (set StartOver, or --start-over, to make it again)");
            }

            if (hash != settingsHash || !IsReadable(path, _generator.Width, _generator.Height, _logger))
            {
                missing.Add(k);
                metadata.Remove(k);
            }
        }

        return missing;
    }

    /// <summary>Whether the image at <paramref name="path"/> exists, is <paramref name="width"/> x <paramref name="height"/> and decodes; an unreadable one is logged when a logger is given.</summary>
    private static bool IsReadable(string path, int width, int height, ILogger? logger)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            ImageHeader header = ImageIO.ReadHeader(path);
            if (header.Width != width || header.Height != height)
            {
                return false;
            }

            // A header can be intact while the pixel data is cut short: decode fully.
            ImageIO.Load(path).Dispose();
            return true;
        }
        catch (InvalidImageException ex)
        {
            if (logger is not null)
            {
                GenerationLog.Unreadable(logger, path, ex.Problem);
            }

            return false;
        }
    }
}

internal static partial class GenerationLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Category}: {Total} images, {Made} made now")]
    public static partial void CategoryDone(ILogger logger, string category, int total, int made);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path}: {Problem}; making it again")]
    public static partial void Unreadable(ILogger logger, string path, string problem);
}
