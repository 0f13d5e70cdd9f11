namespace XPaste.Augment;

/// <summary>How the X-Paste policy rounds an instance's size and position to whole pixels.</summary>
public enum PlacementRounding
{
    /// <summary>
    /// The reference's: the height is the <em>untruncated</em> width over the ratio, truncated
    /// (<c>th = (int)(sqrt(ratio x area) / ratio)</c>), and the left edge is uniform in
    /// <c>[trunc(-w/2), trunc(W - w/2))</c> as numpy's <c>randint</c> truncates its float bounds, so for an odd width the
    /// range ends one pixel earlier than <see cref="Symmetric"/>'s (same for the height).
    /// </summary>
    Reference,

    /// <summary>
    /// The height from the truncated width (<c>th = (int)(tw / ratio)</c>), and the left edge uniform in
    /// <c>[-(w/2), W - (w/2))</c> with integer halves: for odd sizes the box centre's range is symmetric about the image
    /// centre. At most one pixel from <see cref="Reference"/> in each quantity.
    /// </summary>
    Symmetric,
}
