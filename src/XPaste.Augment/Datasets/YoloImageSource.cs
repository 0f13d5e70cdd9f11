using System.Globalization;
using XPaste.Coco;
using XPaste.Imaging;
using XPaste.Masks;
using XPaste.Yolo;
using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// A YOLO dataset split as annotated images: a segment line's mask is its polygon rasterised as COCO rasterises
/// polygons; a detect line is a box-only object whose mask is its full box (see <see cref="AnnotatedImageInfo.BoxOnly"/>).
/// Category ids are class index + 1 (<see cref="YoloDataset.ToCocoCategories"/>). Images keep the dataset's order.
/// Thread-safe.
/// </summary>
public sealed class YoloImageSource : IAnnotatedImageSource
{
    private readonly AnnotatedImageInfo[] _infos;
    private readonly ImageLoadOptions _load;

    /// <summary>Wraps a loaded split.</summary>
    /// <param name="dataset">The split.</param>
    /// <param name="load">Image decoding (size limit, orientation); the images are always read as RGB.</param>
    public YoloImageSource(YoloDataset dataset, ImageLoadOptions? load = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        load ??= ImageLoadOptions.Default;
        Dataset = dataset;
        Categories = dataset.ToCocoCategories();
        _infos = [.. dataset.Images.Select((image, k) => new AnnotatedImageInfo(k.ToString(CultureInfo.InvariantCulture), image.Width, image.Height, image.Objects.Count)
        {
            BoxOnly = image.Objects.Any(o => o.IsBoxOnly) ? [.. image.Objects.Select(o => o.IsBoxOnly)] : null,
        })];
        _load = new ImageLoadOptions { Channels = ImageChannels.Rgb, MaxPixels = load.MaxPixels, ApplyOrientation = load.ApplyOrientation };
    }

    /// <summary>The split.</summary>
    public YoloDataset Dataset { get; }

    /// <summary>The classes as COCO categories (id = class index + 1), for the writers and category mapping.</summary>
    public IReadOnlyList<CocoCategory> Categories { get; }

    /// <inheritdoc />
    public IReadOnlyList<AnnotatedImageInfo> Images => _infos;

    /// <inheritdoc />
    /// <exception cref="InvalidImageException">The image file cannot be read.</exception>
    /// <exception cref="InvalidInputException">The file's size changed since the dataset was read.</exception>
    public AnnotatedImage Load(int index)
    {
        YoloImage image = Dataset.Images[index];
        Tensor pixels = ImageIO.Load(image.ImagePath, _load);
        if (pixels.shape[1] != image.Height || pixels.shape[2] != image.Width)
        {
            long h = pixels.shape[1], w = pixels.shape[2];
            pixels.Dispose();
            throw new InvalidInputException(image.ImagePath, $"is {w}x{h} but was {image.Width}x{image.Height} when the dataset was read");
        }

        try
        {
            Tensor masks = image.Objects.Count == 0
                ? zeros([0, image.Height, image.Width], ScalarType.Bool)
                : MaskCodec.Decode([.. image.Objects.Select(o => YoloCoco.Mask(o, image.Width, image.Height))], image.Height, image.Width);
            return new AnnotatedImage(_infos[index].Id, pixels, masks, [.. image.Objects.Select(o => (long)o.ClassId + 1)]);
        }
        catch
        {
            pixels.Dispose();
            throw;
        }
    }
}
