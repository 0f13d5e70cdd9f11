namespace XPaste.Extraction;

/// <summary>The alpha channel of a cut-out.</summary>
public enum CutoutAlpha
{
    /// <summary>
    /// The segmenter's soft mask inside the kept region, 0 outside (the reference: <c>alpha *= filled_component</c>).
    /// Filled holes keep their (low) mask values.
    /// </summary>
    Mask,

    /// <summary>255 inside the kept region (component and filled holes), 0 outside; colour outside is zeroed.</summary>
    Opaque,
}
