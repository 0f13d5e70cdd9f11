using System.Text.Json.Serialization;
using XPaste.Coco.Json;
using XPaste.Masks;

namespace XPaste.Coco;

/// <summary>
/// The <c>segmentation</c> of a COCO annotation as written in the file: polygons, a compressed RLE or an
/// uncompressed RLE. <see cref="ToRle"/> decodes it the way the COCO API's <c>annToRLE</c> does.
/// </summary>
[JsonConverter(typeof(CocoSegmentationJsonConverter))]
public sealed class CocoSegmentation
{
    private readonly Rle? _rle;
    private readonly long[]? _uncompressed;

    private CocoSegmentation(CocoSegmentationKind kind, IReadOnlyList<double[]> polygons, int height, int width,
        string? compressed, long[]? uncompressed, Rle? rle, string? problem)
    {
        Kind = kind;
        Polygons = polygons;
        Height = height;
        Width = width;
        CompressedCounts = compressed;
        _uncompressed = uncompressed;
        _rle = rle;
        Problem = problem;
    }

    /// <summary>How the segmentation is stored.</summary>
    public CocoSegmentationKind Kind { get; }

    /// <summary>The polygons (<c>x0, y0, x1, y1, ...</c> each); empty unless <see cref="Kind"/> is <see cref="CocoSegmentationKind.Polygons"/>.</summary>
    public IReadOnlyList<double[]> Polygons { get; }

    /// <summary>The RLE's <c>size[0]</c> (height); 0 for polygons.</summary>
    public int Height { get; }

    /// <summary>The RLE's <c>size[1]</c> (width); 0 for polygons.</summary>
    public int Width { get; }

    /// <summary>The compressed counts string of a <see cref="CocoSegmentationKind.CompressedRle"/>.</summary>
    public string? CompressedCounts { get; }

    /// <summary>The counts of an <see cref="CocoSegmentationKind.UncompressedRle"/>, as read (not yet validated).</summary>
    public IReadOnlyList<long>? UncompressedCounts => _uncompressed;

    /// <summary>What the JSON reader found wrong with the value; the loader reports it with the annotation's id.</summary>
    internal string? Problem { get; }

    /// <summary>A polygon segmentation. Coordinates are checked when decoded or when the dataset is loaded.</summary>
    /// <param name="polygons">One or more polygons, each <c>x0, y0, x1, y1, ...</c>.</param>
    public static CocoSegmentation FromPolygons(IEnumerable<IReadOnlyList<double>> polygons)
    {
        ArgumentNullException.ThrowIfNull(polygons);
        return new(CocoSegmentationKind.Polygons, polygons.Select(p => p.ToArray()).ToArray(), 0, 0, null, null, null, null);
    }

    /// <summary>An RLE segmentation, written compressed (the usual form) or as a plain counts list.</summary>
    /// <param name="rle">The mask; its size must be the image's.</param>
    /// <param name="compressed">Write <c>counts</c> as COCO's compressed string (default) rather than a list of numbers.</param>
    public static CocoSegmentation FromRle(Rle rle, bool compressed = true)
    {
        ArgumentNullException.ThrowIfNull(rle);
        return compressed
            ? new(CocoSegmentationKind.CompressedRle, [], rle.Height, rle.Width, rle.ToCompressedString(), null, rle, null)
            : new(CocoSegmentationKind.UncompressedRle, [], rle.Height, rle.Width, null, Widen(rle.Counts), rle, null);
    }

    /// <summary>
    /// Decodes the segmentation for an image of the given size as the COCO API's <c>annToRLE</c>: each polygon is
    /// rasterised and the polygons merged (union); an RLE is parsed and checked.
    /// </summary>
    /// <param name="imageHeight">The annotated image's height.</param>
    /// <param name="imageWidth">The annotated image's width.</param>
    /// <exception cref="InvalidInputException">
    /// The segmentation is malformed: no polygons, a polygon with fewer than 3 points or an odd number of coordinates,
    /// an RLE whose size is not the image's, or counts that are invalid (see <see cref="Rle.FromCompressedString"/>).
    /// </exception>
    public Rle ToRle(int imageHeight, int imageWidth)
    {
        string? problem = TryToRle(imageHeight, imageWidth, out Rle? rle);
        return problem is null ? rle! : throw new InvalidInputException("segmentation", problem);
    }

    private static long[] Widen(ReadOnlySpan<uint> counts)
    {
        var wide = new long[counts.Length];
        for (int i = 0; i < counts.Length; i++)
        {
            wide[i] = counts[i];
        }

        return wide;
    }

    internal static CocoSegmentation Invalid(string problem) =>
        new(CocoSegmentationKind.Polygons, [], 0, 0, null, null, null, problem);

    internal static CocoSegmentation FromJson(CocoSegmentationKind kind, IReadOnlyList<double[]> polygons, int height, int width, string? compressed, long[]? uncompressed) =>
        new(kind, polygons, height, width, compressed, uncompressed, null, null);

    /// <summary>Checks the structure without rasterising polygons; returns the problem or null.</summary>
    internal string? Check(int imageHeight, int imageWidth, bool decodeRle)
    {
        if (Problem is not null)
        {
            return Problem;
        }

        if (Kind == CocoSegmentationKind.Polygons)
        {
            if (Polygons.Count == 0)
            {
                return "segmentation is an empty list of polygons";
            }

            for (int i = 0; i < Polygons.Count; i++)
            {
                string? problem = Rle.CheckPolygon(Polygons[i], minimumPoints: 3) ?? CheckInside(Polygons[i], imageHeight, imageWidth);
                if (problem is not null)
                {
                    return Polygons.Count == 1 ? problem : $"{problem} (polygon {i})";
                }
            }

            return null;
        }

        if (Height != imageHeight || Width != imageWidth)
        {
            return $"RLE size {Height}x{Width} (h x w) does not match the image's {imageHeight}x{imageWidth}";
        }

        return decodeRle ? TryToRle(imageHeight, imageWidth, out _) : null;
    }

    /// <summary>A polygon whose every point lies beyond one edge of the image covers no pixel of it.</summary>
    private static string? CheckInside(double[] xy, int imageHeight, int imageWidth)
    {
        if (imageHeight <= 0 || imageWidth <= 0)
        {
            return null;
        }

        double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
        for (int j = 0; j + 1 < xy.Length; j += 2)
        {
            minX = Math.Min(minX, xy[j]);
            maxX = Math.Max(maxX, xy[j]);
            minY = Math.Min(minY, xy[j + 1]);
            maxY = Math.Max(maxY, xy[j + 1]);
        }

        return maxX <= 0 || maxY <= 0 || minX >= imageWidth || minY >= imageHeight
            ? FormattableString.Invariant($"polygon lies entirely outside the {imageWidth}x{imageHeight} image (x {minX} to {maxX}, y {minY} to {maxY})")
            : null;
    }

    internal string? TryToRle(int imageHeight, int imageWidth, out Rle? rle)
    {
        rle = null;
        if (Kind == CocoSegmentationKind.Polygons)
        {
            string? problem = Check(imageHeight, imageWidth, decodeRle: false);
            if (problem is not null)
            {
                return problem;
            }

            var parts = new Rle[Polygons.Count];
            for (int i = 0; i < parts.Length; i++)
            {
                parts[i] = Rle.FromPolygon(Polygons[i], imageHeight, imageWidth);
            }

            rle = Rle.Merge(parts);
            return null;
        }

        if (Problem is not null)
        {
            return Problem;
        }

        if (Height != imageHeight || Width != imageWidth)
        {
            return $"RLE size {Height}x{Width} (h x w) does not match the image's {imageHeight}x{imageWidth}";
        }

        if (_rle is not null)
        {
            rle = _rle;
            return null;
        }

        return Kind == CocoSegmentationKind.CompressedRle
            ? Rle.TryFromCompressedString(CompressedCounts!, Height, Width, out rle)
            : Rle.TryFromCounts(Height, Width, _uncompressed, out rle);
    }
}
