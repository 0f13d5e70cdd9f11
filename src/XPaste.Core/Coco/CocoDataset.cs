using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using XPaste.Abstractions;
using XPaste.Coco.Json;
using XPaste.IO;
using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Coco;

/// <summary>
/// A COCO instance-segmentation file (and LVIS, which extends it): <c>info</c>, <c>licenses</c>, <c>images</c>,
/// <c>annotations</c>, <c>categories</c>, with every field this model does not name kept for writing back.
/// <see cref="Load(string, CocoLoadOptions?)"/> validates what it reads; the lookups (<see cref="GetImage"/>,
/// <see cref="GetCategory"/>, <see cref="GetAnnotations"/>) index the lists on first use, so build a dataset with
/// its final lists (the lists are not meant to change afterwards).
/// </summary>
public sealed partial class CocoDataset
{
    private Lookup? _lookup;

    /// <summary><c>info</c>, or null when the file has none.</summary>
    [JsonPropertyName("info")]
    [JsonPropertyOrder(0)]
    public CocoInfo? Info { get; init; }

    /// <summary><c>licenses</c>, or null when the file has none.</summary>
    [JsonPropertyName("licenses")]
    [JsonPropertyOrder(1)]
    public IReadOnlyList<CocoLicense>? Licenses { get; init; }

    /// <summary><c>images</c>.</summary>
    [JsonPropertyName("images")]
    [JsonPropertyOrder(2)]
    public IReadOnlyList<CocoImage> Images { get; init; } = [];

    /// <summary><c>annotations</c> (after loading: those that passed validation, in file order).</summary>
    [JsonPropertyName("annotations")]
    [JsonPropertyOrder(3)]
    public IReadOnlyList<CocoAnnotation> Annotations { get; init; } = [];

    /// <summary><c>categories</c>.</summary>
    [JsonPropertyName("categories")]
    [JsonPropertyOrder(4)]
    public IReadOnlyList<CocoCategory> Categories { get; init; } = [];

    /// <summary>Every other top-level field, kept as read so that it is written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary>The file (or name) the dataset was read from; used in error messages.</summary>
    [JsonIgnore]
    public string SourceName { get; init; } = "COCO dataset";

    /// <summary>
    /// The annotations that <see cref="InvalidAnnotationHandling.Skip"/> left out while loading, with the reason for
    /// each. Empty when nothing was skipped.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<CocoAnnotationProblem> SkippedAnnotations { get; init; } = [];

    /// <summary>
    /// Whether the file has an <c>annotations</c> key. Without one it lists images only: fine as destinations for
    /// pasting, useless as a source of instances.
    /// </summary>
    [JsonIgnore]
    public bool HasAnnotationsKey { get; init; } = true;

    /// <summary>Reads and validates a COCO or LVIS JSON file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Loading options; <see cref="CocoLoadOptions.Default"/> when null.</param>
    /// <exception cref="CocoFormatException">
    /// The file is missing or is not valid COCO JSON, an id repeats, an image has no usable size, or (unless
    /// skipped) an annotation points at a missing image or category or has a malformed segmentation.
    /// </exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public static CocoDataset Load(string path, CocoLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options?.Validate();
        using FileStream stream = OpenRead(path);
        return Read(stream, path, options);
    }

    /// <summary>Reads and validates a COCO or LVIS JSON file asynchronously.</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Loading options; <see cref="CocoLoadOptions.Default"/> when null.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="CocoFormatException">See <see cref="Load(string, CocoLoadOptions?)"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public static async Task<CocoDataset> LoadAsync(string path, CocoLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        options?.Validate();
        await using FileStream stream = OpenRead(path, useAsync: true);
        CocoDataset? raw;
        try
        {
            raw = await JsonSerializer.DeserializeAsync(stream, CocoJsonContext.Default.CocoDataset, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw BadJson(path, ex);
        }

        return Validate(raw, path, options ?? CocoLoadOptions.Default);
    }

    /// <summary>Reads and validates COCO JSON from a stream.</summary>
    /// <param name="utf8Json">The JSON, UTF-8.</param>
    /// <param name="name">Names the input in error messages (usually its path).</param>
    /// <param name="options">Loading options; <see cref="CocoLoadOptions.Default"/> when null.</param>
    /// <exception cref="CocoFormatException">See <see cref="Load(string, CocoLoadOptions?)"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public static CocoDataset Read(Stream utf8Json, string name, CocoLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        ArgumentNullException.ThrowIfNull(name);
        options?.Validate();
        CocoDataset? raw;
        try
        {
            raw = JsonSerializer.Deserialize(utf8Json, CocoJsonContext.Default.CocoDataset);
        }
        catch (JsonException ex)
        {
            throw BadJson(name, ex);
        }

        return Validate(raw, name, options ?? CocoLoadOptions.Default);
    }

    /// <summary>Parses and validates COCO JSON held in memory.</summary>
    /// <param name="utf8Json">The JSON, UTF-8.</param>
    /// <param name="name">Names the input in error messages.</param>
    /// <param name="options">Loading options; <see cref="CocoLoadOptions.Default"/> when null.</param>
    /// <exception cref="CocoFormatException">See <see cref="Load(string, CocoLoadOptions?)"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public static CocoDataset Parse(ReadOnlySpan<byte> utf8Json, string name, CocoLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        options?.Validate();
        CocoDataset? raw;
        try
        {
            raw = JsonSerializer.Deserialize(utf8Json, CocoJsonContext.Default.CocoDataset);
        }
        catch (JsonException ex)
        {
            throw BadJson(name, ex);
        }

        return Validate(raw, name, options ?? CocoLoadOptions.Default);
    }

    /// <summary>Writes the dataset as COCO JSON, atomically (a reader never sees half a file).</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="options">Writing options; <see cref="CocoSaveOptions.Default"/> when null.</param>
    public void Save(string path, CocoSaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        JsonTypeInfo<CocoDataset> info = TypeInfo(options);
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, this, info));
    }

    /// <summary>Writes the dataset as COCO JSON asynchronously and atomically.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="options">Writing options; <see cref="CocoSaveOptions.Default"/> when null.</param>
    /// <param name="cancellationToken">Cancels the write (the target is then left as it was).</param>
    public Task SaveAsync(string path, CocoSaveOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        JsonTypeInfo<CocoDataset> info = TypeInfo(options);
        return AtomicFile.WriteAsync(path, (stream, ct) => JsonSerializer.SerializeAsync(stream, this, info, ct), cancellationToken);
    }

    /// <summary>The dataset as UTF-8 COCO JSON.</summary>
    /// <param name="options">Writing options; <see cref="CocoSaveOptions.Default"/> when null.</param>
    public byte[] ToUtf8Json(CocoSaveOptions? options = null) => JsonSerializer.SerializeToUtf8Bytes(this, TypeInfo(options));

    /// <summary>The image with the given id.</summary>
    /// <param name="id">The image id.</param>
    /// <exception cref="KeyNotFoundException">No such image.</exception>
    public CocoImage GetImage(long id) =>
        TryGetImage(id, out CocoImage? image) ? image : throw new KeyNotFoundException($"{SourceName}: no image with id {id}");

    /// <summary>
    /// The file of <paramref name="image"/> inside <paramref name="imagesFolder"/> (<see cref="CocoImage.ResolveFileName"/>),
    /// named in errors as "{SourceName} image {id}", as every reader of a dataset's images names it.
    /// </summary>
    /// <exception cref="CocoFormatException">The image has neither <c>file_name</c> nor <c>coco_url</c>.</exception>
    /// <exception cref="InvalidInputException">The path escapes the folder.</exception>
    internal string ImageFilePath(CocoImage image, string imagesFolder)
    {
        string relative = image.ResolveFileName()
            ?? throw new CocoFormatException(SourceName, null, $"image {image.Id} has neither file_name nor coco_url");
        return SafePath.Resolve(imagesFolder, relative, $"{SourceName} image {image.Id}");
    }

    /// <summary>Looks an image up by id.</summary>
    /// <param name="id">The image id.</param>
    /// <param name="image">The image, when found.</param>
    public bool TryGetImage(long id, [NotNullWhen(true)] out CocoImage? image) => Index.Images.TryGetValue(id, out image);

    /// <summary>The category with the given id.</summary>
    /// <param name="id">The category id.</param>
    /// <exception cref="KeyNotFoundException">No such category.</exception>
    public CocoCategory GetCategory(int id) =>
        TryGetCategory(id, out CocoCategory? category) ? category : throw new KeyNotFoundException($"{SourceName}: no category with id {id}");

    /// <summary>Looks a category up by id.</summary>
    /// <param name="id">The category id.</param>
    /// <param name="category">The category, when found.</param>
    public bool TryGetCategory(int id, [NotNullWhen(true)] out CocoCategory? category) => Index.Categories.TryGetValue(id, out category);

    /// <summary>The annotations of an image, in file order; empty when it has none (or no such image exists).</summary>
    /// <param name="imageId">The image id.</param>
    public IReadOnlyList<CocoAnnotation> GetAnnotations(long imageId) =>
        Index.AnnotationsByImage.TryGetValue(imageId, out List<CocoAnnotation>? list) ? list : [];

    /// <summary>The categories as the rest of XPaste names them, in file order.</summary>
    public IReadOnlyList<CategoryInfo> GetCategoryInfos() => [.. Categories.Select(c => c.ToCategoryInfo())];

    /// <summary>Decodes an annotation's mask at its image's size, as the COCO API's <c>annToRLE</c>.</summary>
    /// <param name="annotation">An annotation of this dataset.</param>
    /// <exception cref="CocoFormatException">The image is unknown, the annotation has no segmentation, or it is malformed.</exception>
    public Rle DecodeMask(CocoAnnotation annotation)
    {
        ArgumentNullException.ThrowIfNull(annotation);
        return TryDecodeMask(annotation, out Rle? mask, out string? problem)
            ? mask
            : throw new CocoFormatException(SourceName, annotation.Id, problem);
    }

    /// <summary>Decodes an annotation's mask without throwing on bad data.</summary>
    /// <param name="annotation">An annotation of this dataset.</param>
    /// <param name="mask">The mask, on success.</param>
    /// <param name="problem">What is wrong, on failure.</param>
    /// <returns>Whether the mask could be decoded.</returns>
    public bool TryDecodeMask(CocoAnnotation annotation, [NotNullWhen(true)] out Rle? mask, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(annotation);
        mask = null;
        if (!TryGetImage(annotation.ImageId, out CocoImage? image))
        {
            problem = $"image_id {annotation.ImageId} is not in images";
            return false;
        }

        if (annotation.Segmentation is null)
        {
            problem = "has no segmentation";
            return false;
        }

        problem = annotation.Segmentation.TryToRle(image.Height, image.Width, out mask);
        return problem is null;
    }

    /// <summary>Decodes the masks of all annotations of an image (in <see cref="GetAnnotations"/> order).</summary>
    /// <param name="imageId">The image id.</param>
    /// <param name="device">Where the tensor goes; CPU when null.</param>
    /// <returns>A bool <c>[N,H,W]</c> tensor at the image's size. The caller owns it.</returns>
    /// <exception cref="CocoFormatException">An annotation cannot be decoded.</exception>
    public Tensor DecodeMasks(long imageId, Device? device = null)
    {
        CocoImage image = GetImage(imageId);
        IReadOnlyList<CocoAnnotation> annotations = GetAnnotations(imageId);
        var masks = new Rle[annotations.Count];
        for (int i = 0; i < masks.Length; i++)
        {
            masks[i] = DecodeMask(annotations[i]);
        }

        return MaskCodec.Decode(masks, image.Height, image.Width, device);
    }

    private Lookup Index => LazyInitializer.EnsureInitialized(ref _lookup, () => new Lookup(this));

    private static JsonTypeInfo<CocoDataset> TypeInfo(CocoSaveOptions? options) =>
        options?.Indented == true ? IndentedContext.Value.CocoDataset : CocoJsonContext.Default.CocoDataset;

    private static readonly Lazy<CocoJsonContext> IndentedContext = new(() =>
        new CocoJsonContext(new JsonSerializerOptions(CocoJsonContext.Default.Options) { WriteIndented = true }));

    private static FileStream OpenRead(string path, bool useAsync = false)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CocoFormatException(path, null, "file not found", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CocoFormatException(path, null, Directory.Exists(path) ? "is a folder, not a COCO JSON file" : "cannot be read (permission denied)", ex);
        }
    }

    private static CocoFormatException BadJson(string name, JsonException ex) =>
        new(name, null, $"not valid COCO JSON: {ex.Message}", ex);

    /// <summary>The id indexes, built once.</summary>
    private sealed class Lookup
    {
        public Lookup(CocoDataset dataset)
            : this(ById(dataset.Images, i => i.Id), ById(dataset.Categories, c => c.Id), dataset.Annotations)
        {
        }

        public Lookup(Dictionary<long, CocoImage> images, Dictionary<int, CocoCategory> categories, IReadOnlyList<CocoAnnotation> annotations)
        {
            Images = images;
            Categories = categories;
            foreach (CocoAnnotation annotation in annotations)
            {
                if (!AnnotationsByImage.TryGetValue(annotation.ImageId, out List<CocoAnnotation>? list))
                {
                    list = [];
                    AnnotationsByImage.Add(annotation.ImageId, list);
                }

                list.Add(annotation);
            }
        }

        public Dictionary<long, CocoImage> Images { get; }

        public Dictionary<int, CocoCategory> Categories { get; }

        public Dictionary<long, List<CocoAnnotation>> AnnotationsByImage { get; } = [];

        private static Dictionary<TKey, T> ById<TKey, T>(IReadOnlyList<T> items, Func<T, TKey> key)
            where TKey : notnull
        {
            var map = new Dictionary<TKey, T>(items.Count);
            foreach (T item in items)
            {
                map.TryAdd(key(item), item);
            }

            return map;
        }
    }
}
