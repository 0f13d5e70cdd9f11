using XPaste.Coco;
using XPaste.Masks;

namespace XPaste.Yolo;

/// <summary>Pixel geometry of YOLO objects: normalised coordinates to COCO boxes, polygons and masks.</summary>
internal static class YoloCoco
{
    /// <summary>The object's box in pixels (COCO <c>[x, y, w, h]</c>).</summary>
    public static CocoBox Box(YoloObject o, int width, int height) =>
        new((o.CenterX - (o.Width / 2)) * width, (o.CenterY - (o.Height / 2)) * height, o.Width * width, o.Height * height);

    /// <summary>The segment's polygon in pixels (<c>x1, y1, ...</c>); null for a detect line.</summary>
    public static double[]? Polygon(YoloObject o, int width, int height)
    {
        if (o.Polygon is not { } p)
        {
            return null;
        }

        var xy = new double[p.Count];
        for (int i = 0; i + 1 < xy.Length; i += 2)
        {
            xy[i] = p[i] * width;
            xy[i + 1] = p[i + 1] * height;
        }

        return xy;
    }

    /// <summary>The object's mask: the polygon rasterised as COCO does, or the full box for a detect line.</summary>
    public static Rle Mask(YoloObject o, int width, int height) =>
        Polygon(o, width, height) is { } xy ? Rle.FromPolygon(xy, height, width) : Rle.FromBox(Box(o, width, height), height, width);
}
