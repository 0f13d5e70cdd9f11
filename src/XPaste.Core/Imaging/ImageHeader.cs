namespace XPaste.Imaging;

/// <summary>An image's upright size and whether it has an alpha channel, read from its header alone.</summary>
/// <param name="Width">Width in pixels after orientation.</param>
/// <param name="Height">Height in pixels after orientation.</param>
/// <param name="HasAlpha">Whether the file stores transparency.</param>
public readonly record struct ImageHeader(int Width, int Height, bool HasAlpha);
