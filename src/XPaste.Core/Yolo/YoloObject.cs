namespace XPaste.Yolo;

/// <summary>
/// One line of a YOLO label file: a class and a box (<c>class cx cy w h</c>, a detect line) or a polygon
/// (<c>class x1 y1 x2 y2 ...</c>, a segment line), all coordinates normalised to [0, 1] by the image's size.
/// </summary>
/// <param name="ClassId">The class index into <see cref="YoloDataset.Names"/>.</param>
/// <param name="CenterX">Box centre x, normalised.</param>
/// <param name="CenterY">Box centre y, normalised.</param>
/// <param name="Width">Box width, normalised.</param>
/// <param name="Height">Box height, normalised.</param>
/// <param name="Polygon">
/// The segment's points <c>x1, y1, x2, y2, ...</c> normalised, or null for a detect line. A segment's box is its
/// points' extent, as Ultralytics computes it.
/// </param>
/// <param name="Line">The 1-based line of the label file it was read from (0 when made in code).</param>
public sealed record YoloObject(int ClassId, double CenterX, double CenterY, double Width, double Height, IReadOnlyList<double>? Polygon, int Line = 0)
{
    /// <summary>Whether the object is a box only (a detect line).</summary>
    public bool IsBoxOnly => Polygon is null;

    /// <summary>A segment object, its box computed from the points' extent.</summary>
    /// <param name="classId">The class index.</param>
    /// <param name="polygon">Normalised points <c>x1, y1, ...</c> (at least 3).</param>
    /// <param name="line">The label file line, or 0.</param>
    public static YoloObject FromPolygon(int classId, IReadOnlyList<double> polygon, int line = 0)
    {
        ArgumentNullException.ThrowIfNull(polygon);
        double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
        for (int i = 0; i + 1 < polygon.Count; i += 2)
        {
            minX = Math.Min(minX, polygon[i]);
            maxX = Math.Max(maxX, polygon[i]);
            minY = Math.Min(minY, polygon[i + 1]);
            maxY = Math.Max(maxY, polygon[i + 1]);
        }

        return new YoloObject(classId, (minX + maxX) / 2, (minY + maxY) / 2, maxX - minX, maxY - minY, polygon, line);
    }
}
