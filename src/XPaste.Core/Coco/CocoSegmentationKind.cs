namespace XPaste.Coco;

/// <summary>How a <see cref="CocoSegmentation"/> is stored in the JSON.</summary>
public enum CocoSegmentationKind
{
    /// <summary>A list of polygons <c>[[x0, y0, x1, y1, ...], ...]</c>.</summary>
    Polygons,

    /// <summary><c>{"counts": "compressed string", "size": [h, w]}</c>.</summary>
    CompressedRle,

    /// <summary><c>{"counts": [n0, n1, ...], "size": [h, w]}</c> (crowd annotations in COCO files).</summary>
    UncompressedRle,
}
