using System.Globalization;
using System.Runtime.CompilerServices;
using XPaste.Abstractions;
using XPaste.Coco;
using XPaste.Imaging;
using XPaste.IO;
using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Sources;

/// <summary>
/// Candidates cut out of an annotated COCO or LVIS dataset: one per selected annotation, with its decoded mask
/// (so no extractor is needed). This is Simple Copy-Paste's object pool, and a way to build a bank from real objects.
/// </summary>
/// <remarks>
/// Order is stable: images in file order, then their annotations in file order. Each image is decoded once for all
/// its candidates, and not at all when every one of them is skipped. Candidate ids are <c>ann-{annotation id}</c>;
/// masks are <c>uint8</c> 0/255.
/// </remarks>
public sealed class DatasetInstanceSource : IResumableInstanceSource
{
    private readonly CocoDataset _dataset;
    private readonly DatasetSourceOptions _options;
    private readonly (CocoImage Image, CocoAnnotation[] Annotations)[] _selected;
    private readonly Dictionary<int, CategoryInfo> _categories;

    /// <summary>Selects the annotations of a loaded dataset.</summary>
    /// <param name="dataset">The dataset.</param>
    /// <param name="imagesFolder">The folder its <c>file_name</c>s are relative to.</param>
    /// <param name="options">Which annotations; defaults when null.</param>
    /// <exception cref="CocoFormatException">The dataset has no annotations (no <c>annotations</c> key, or an empty one).</exception>
    public DatasetInstanceSource(CocoDataset dataset, string imagesFolder, DatasetSourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentException.ThrowIfNullOrEmpty(imagesFolder);
        if (!dataset.HasAnnotationsKey)
        {
            throw new CocoFormatException(dataset.SourceName, null,
                "has no annotations key: it lists images only, so there are no objects to cut out (it can be a destination for augment)");
        }

        if (dataset.Annotations.Count == 0)
        {
            throw new CocoFormatException(dataset.SourceName, null, "has no usable annotations, so there are no objects to cut out");
        }

        _dataset = dataset;
        _options = options ?? new DatasetSourceOptions();
        _options.Validate();
        ImagesFolder = Path.GetFullPath(imagesFolder);
        Name = "coco:" + Path.GetFileName(dataset.SourceName);
        _categories = dataset.Categories
            .Where(c => _options.CategoryIds is null || _options.CategoryIds.Contains(c.Id))
            .ToDictionary(c => c.Id, c => c.ToCategoryInfo());
        Categories = _categories.Values.OrderBy(c => c.Id).ToArray();

        var selected = new List<(CocoImage, CocoAnnotation[])>();
        foreach (CocoImage image in dataset.Images)
        {
            CocoAnnotation[] annotations = dataset.GetAnnotations(image.Id).Where(Selected).ToArray();
            if (annotations.Length > 0)
            {
                selected.Add((image, annotations));
                Count += annotations.Length;
            }
        }

        _selected = [.. selected];
    }

    /// <summary>The images folder (full path).</summary>
    public string ImagesFolder { get; }

    /// <summary><c>coco:{annotation file name}</c>.</summary>
    public string Name { get; }

    /// <summary>The categories that pass <see cref="DatasetSourceOptions.CategoryIds"/>, by ascending id.</summary>
    public IReadOnlyList<CategoryInfo> Categories { get; }

    /// <summary>The number of selected annotations.</summary>
    public int Count { get; }

    /// <summary>The number of images with at least one selected annotation.</summary>
    public int ImageCount => _selected.Length;

    /// <summary>Loads a COCO/LVIS annotation file and selects its annotations.</summary>
    /// <param name="annotationsFile">The JSON file.</param>
    /// <param name="imagesFolder">The folder its <c>file_name</c>s are relative to.</param>
    /// <param name="options">Which annotations; defaults when null.</param>
    /// <param name="loadOptions">How to read the JSON; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The source.</returns>
    /// <exception cref="CocoFormatException">The file is missing or not valid COCO JSON.</exception>
    public static async Task<DatasetInstanceSource> LoadAsync(string annotationsFile, string imagesFolder, DatasetSourceOptions? options = null,
        CocoLoadOptions? loadOptions = null, CancellationToken cancellationToken = default)
    {
        CocoDataset dataset = await CocoDataset.LoadAsync(annotationsFile, loadOptions, cancellationToken).ConfigureAwait(false);
        return new DatasetInstanceSource(dataset, imagesFolder, options);
    }

    /// <summary>The candidate id of an annotation: <c>ann-{id}</c>.</summary>
    /// <param name="annotationId">The annotation id.</param>
    /// <returns>The id.</returns>
    public static string CandidateId(long annotationId) => string.Create(CultureInfo.InvariantCulture, $"ann-{annotationId}");

    /// <inheritdoc />
    public IAsyncEnumerable<SourceImage> ReadAsync(CancellationToken cancellationToken = default) => ReadAsync(_ => false, cancellationToken);

    /// <inheritdoc />
    /// <exception cref="InvalidImageException">An image is missing or cannot be decoded.</exception>
    /// <exception cref="InvalidInputException">An image's <c>file_name</c> escapes the images folder, or its size differs from the dataset's.</exception>
    /// <exception cref="CocoFormatException">A segmentation cannot be decoded.</exception>
    public async IAsyncEnumerable<SourceImage> ReadAsync(Func<string, bool> skip, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(skip);
        var load = new ImageLoadOptions { Channels = ImageChannels.Rgb, MaxPixels = _options.Load.MaxPixels, ApplyOrientation = _options.Load.ApplyOrientation };
        foreach ((CocoImage info, CocoAnnotation[] annotations) in _selected)
        {
            cancellationToken.ThrowIfCancellationRequested();
            CocoAnnotation[] wanted = annotations.Where(a => !skip(CandidateId(a.Id))).ToArray();
            if (wanted.Length == 0)
            {
                continue;
            }

            string path = _dataset.ImageFilePath(info, ImagesFolder);
            byte[] bytes;
            try
            {
                bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new InvalidImageException(path, $"file not found (image {info.Id} of {_dataset.SourceName})", ex);
            }

            // Lives across yields, so out of any (per-thread) dispose scope; disposed here.
            using Tensor image = ImageIO.Decode(bytes, path, load).DetachFromDisposeScope();
            if (image.shape[1] != info.Height || image.shape[2] != info.Width)
            {
                throw new InvalidInputException(path, $"is {image.shape[2]}x{image.shape[1]} but {_dataset.SourceName} says {info.Width}x{info.Height} for image {info.Id}");
            }

            foreach (CocoAnnotation annotation in wanted)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return Cut(image, annotation, path);
            }
        }
    }

    private bool Selected(CocoAnnotation annotation)
    {
        if (!_categories.ContainsKey(annotation.CategoryId) || (_options.SkipCrowd && annotation.Crowd) || annotation.Segmentation is null)
        {
            return false;
        }

        if (_options.MinArea <= 0)
        {
            return true;
        }

        double area = annotation.Area ?? (_dataset.TryDecodeMask(annotation, out Rle? mask, out _) ? mask.Area : 0);
        return area >= _options.MinArea;
    }

    private SourceImage Cut(Tensor image, CocoAnnotation annotation, string path)
    {
        Rle rle = _dataset.DecodeMask(annotation);
        using var scope = NewDisposeScope();
        Tensor mask = MaskCodec.DecodeOne(rle).to(ScalarType.Byte).mul_(255);
        Tensor pixels = image;
        if (_options.CropToObject && rle.Area > 0)
        {
            CocoBox box = rle.BoundingBox;
            long x = (long)box.X, y = (long)box.Y, w = (long)box.Width, h = (long)box.Height;
            pixels = pixels.narrow(1, y, h).narrow(2, x, w);
            mask = mask.narrow(0, y, h).narrow(1, x, w);
        }

        // Copies, so that no candidate shares memory with the image or with another candidate.
        return new SourceImage(
            CandidateId(annotation.Id),
            _categories[annotation.CategoryId],
            pixels.contiguous().clone().MoveToOuterDisposeScope(),
            mask.contiguous().clone().MoveToOuterDisposeScope(),
            string.Create(CultureInfo.InvariantCulture, $"{path}#annotation={annotation.Id}"));
    }
}
