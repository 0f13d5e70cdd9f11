using XPaste.Imaging;

namespace XPaste.Augment;

/// <summary>Which annotations of a COCO file become objects of a <see cref="CocoImageSource"/>.</summary>
public sealed class CocoImageSourceOptions
{
    /// <summary>Leave crowd annotations out (as the reference's training data does). Default true.</summary>
    public bool SkipCrowd { get; init; } = true;

    /// <summary>Only these images, by id; null for all. Default null.</summary>
    public IReadOnlySet<long>? ImageIds { get; init; }

    /// <summary>Image decoding (size limit, orientation). The images are always read as RGB.</summary>
    public ImageLoadOptions Load { get; init; } = ImageLoadOptions.Default;
}
