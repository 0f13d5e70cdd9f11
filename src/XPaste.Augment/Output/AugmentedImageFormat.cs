namespace XPaste.Augment;

/// <summary>The image file format of <see cref="CocoPasteWriter"/>.</summary>
public enum AugmentedImageFormat
{
    /// <summary>JPEG (lossy; the usual format of COCO training images).</summary>
    Jpeg,

    /// <summary>PNG (lossless).</summary>
    Png,
}
