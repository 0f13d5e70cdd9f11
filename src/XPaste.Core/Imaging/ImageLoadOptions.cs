namespace XPaste.Imaging;

/// <summary>Options for <see cref="ImageIO"/> decoding.</summary>
public sealed class ImageLoadOptions
{
    /// <summary>The shared default options.</summary>
    public static ImageLoadOptions Default { get; } = new();

    /// <summary>
    /// Largest accepted width x height, checked from the file header before any pixel memory is allocated,
    /// so decompression bombs fail fast. Default 100,000,000 (100 megapixels).
    /// </summary>
    public long MaxPixels { get; init; } = 100_000_000;

    /// <summary>Channels of the decoded tensor. Default <see cref="ImageChannels.Auto"/>.</summary>
    public ImageChannels Channels { get; init; } = ImageChannels.Auto;

    /// <summary>Rotate and flip by the JPEG/EXIF orientation tag so the tensor is upright. Default true.</summary>
    public bool ApplyOrientation { get; init; } = true;

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new ImageLoadOptionsValidator(), this);
}
