namespace XPaste.Extraction;

/// <summary>Options for <see cref="U2NetExtractor"/>. The defaults reproduce X-Paste's U^2-Net export.</summary>
public sealed class U2NetExtractorOptions
{
    /// <summary>The shared default options.</summary>
    public static U2NetExtractorOptions Default { get; } = new();

    /// <summary>
    /// The square side every image is resized to (bilinear, <c>align_corners=false</c>) before the network.
    /// Default 256 (X-Paste); the U^2-Net demo uses 320.
    /// </summary>
    public int InputSize { get; init; } = 256;

    /// <summary>
    /// Which side output becomes the mask: 0 for the fused <c>d0</c>, 1..6 for <c>d1</c>..<c>d6</c>.
    /// Default 1 (<c>d1</c>, the finest side output, as both X-Paste and the U^2-Net demo use).
    /// </summary>
    public int SideOutput { get; init; } = 1;

    /// <summary>
    /// Stretch each mask to the full 0..1 range (<c>(p - min) / (max - min)</c>, after resizing back to the image
    /// size) before scaling to 0-255. Default true (X-Paste's <c>renorm</c>, the demo's <c>normPRED</c>). A constant
    /// map becomes all zeros instead of the reference's NaNs.
    /// </summary>
    public bool Renormalize { get; init; } = true;

    /// <summary>
    /// Divide the resized image (in 0..1) by its own maximum before the ImageNet normalisation, as the U^2-Net
    /// demo (<c>u2net_test.py</c>, <c>ToTensorLab(flag=0)</c>) does. Default false: X-Paste's export feeds
    /// <c>ToTensor()</c> pixels straight into the ImageNet normalisation.
    /// </summary>
    public bool DivideByMax { get; init; }

    /// <summary>Images per forward pass. Default 8.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>How <see cref="U2NetExtractor.FromPretrained"/> loads the model (device, Hub settings, logger). Default <see cref="U2NetOptions.Default"/>.</summary>
    public U2NetOptions Model { get; init; } = U2NetOptions.Default;
}
