using System.Globalization;
using XPaste.Coco;
using XPaste.Imaging;
using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// A COCO or LVIS dataset as annotated images: pixels read from the image folder, masks decoded from the annotations
/// (polygons and RLEs, as the COCO API's <c>annToRLE</c>). An annotation without <c>segmentation</c> is a box-only
/// object: its mask is its full <c>bbox</c> (see <see cref="AnnotatedImageInfo.BoxOnly"/>). Images keep the file's
/// order. Thread-safe.
/// </summary>
public sealed class CocoImageSource : IAnnotatedImageSource
{
    private readonly CocoImage[] _images;
    private readonly CocoAnnotation[][] _annotations;
    private readonly AnnotatedImageInfo[] _infos;
    private readonly ImageLoadOptions _load;

    /// <summary>Wraps a loaded dataset.</summary>
    /// <param name="dataset">The dataset.</param>
    /// <param name="imagesFolder">The folder its <c>file_name</c>s are relative to.</param>
    /// <param name="options">Which annotations count.</param>
    public CocoImageSource(CocoDataset dataset, string imagesFolder, CocoImageSourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(imagesFolder);
        options ??= new CocoImageSourceOptions();
        Dataset = dataset;
        ImagesFolder = Path.GetFullPath(imagesFolder);
        _images = [.. dataset.Images.Where(i => options.ImageIds is null || options.ImageIds.Contains(i.Id))];
        _annotations = [.. _images.Select(i => dataset.GetAnnotations(i.Id).Where(a => !(options.SkipCrowd && a.Crowd)).ToArray())];
        _infos = [.. _images.Select((image, k) => new AnnotatedImageInfo(image.Id.ToString(CultureInfo.InvariantCulture), image.Width, image.Height, _annotations[k].Length)
        {
            BoxOnly = _annotations[k].Any(a => a.Segmentation is null) ? [.. _annotations[k].Select(a => a.Segmentation is null)] : null,
        })];
        _load = new ImageLoadOptions { Channels = ImageChannels.Rgb, MaxPixels = options.Load.MaxPixels, ApplyOrientation = options.Load.ApplyOrientation };
    }

    /// <summary>The dataset.</summary>
    public CocoDataset Dataset { get; }

    /// <summary>The image folder (full path).</summary>
    public string ImagesFolder { get; }

    /// <inheritdoc />
    public IReadOnlyList<AnnotatedImageInfo> Images => _infos;

    /// <summary>The COCO record of an image.</summary>
    /// <param name="index">The index into <see cref="Images"/>.</param>
    /// <returns>The record.</returns>
    public CocoImage GetCocoImage(int index) => _images[index];

    /// <inheritdoc />
    /// <exception cref="InvalidImageException">The image file cannot be read.</exception>
    /// <exception cref="InvalidInputException">The file's size differs from the dataset's, or its path escapes the folder.</exception>
    /// <exception cref="CocoFormatException">An annotation cannot be decoded.</exception>
    public AnnotatedImage Load(int index)
    {
        CocoImage image = _images[index];
        CocoAnnotation[] annotations = _annotations[index];
        string path = Dataset.ImageFilePath(image, ImagesFolder);
        Tensor pixels = ImageIO.Load(path, _load);
        if (pixels.shape[1] != image.Height || pixels.shape[2] != image.Width)
        {
            long h = pixels.shape[1], w = pixels.shape[2];
            pixels.Dispose();
            throw new InvalidInputException(path, $"is {w}x{h} but the dataset says {image.Width}x{image.Height} for image {image.Id}");
        }

        try
        {
            Tensor masks = annotations.Length == 0
                ? zeros([0, image.Height, image.Width], ScalarType.Bool)
                : MaskCodec.Decode([.. annotations.Select(a => MaskOf(a, image))], image.Height, image.Width);
            return new AnnotatedImage(_infos[index].Id, pixels, masks, [.. annotations.Select(a => (long)a.CategoryId)]);
        }
        catch
        {
            pixels.Dispose();
            throw;
        }
    }

    /// <summary>The annotation's mask, or its full box when it has no segmentation (a box-only object).</summary>
    private Rle MaskOf(CocoAnnotation annotation, CocoImage image)
    {
        if (annotation.Segmentation is not null)
        {
            return Dataset.DecodeMask(annotation);
        }

        return annotation.Bbox is { } box
            ? Rle.FromBox(box, image.Height, image.Width)
            : throw new CocoFormatException(Dataset.SourceName, annotation.Id, "has neither segmentation nor bbox");
    }
}
