using System.Buffers;

namespace XPaste.Masks;

// Polygon rasterisation with the COCO API's rleFrPoly rules: vertices scaled by 5 and rounded, the outline walked
// one upsampled step at a time, a boundary point kept wherever the walk crosses the centre of a pixel column, then
// the sorted boundary points turned into runs. Nothing else gives the same pixels on the edges.
public sealed partial class Rle
{
    private const double PolygonScale = 5;

    /// <summary>The largest absolute coordinate accepted, so that the upsampled integer walk cannot overflow.</summary>
    public const double MaxPolygonCoordinate = 1e8;

    /// <summary>Rasterises a polygon exactly as the COCO API's <c>frPoly</c> (<c>rleFrPoly</c>).</summary>
    /// <param name="xy">Vertices <c>x0, y0, x1, y1, ...</c> in pixel coordinates (at least one vertex).</param>
    /// <param name="height">Mask height.</param>
    /// <param name="width">Mask width.</param>
    /// <exception cref="ArgumentException">
    /// An odd number of coordinates, no vertex, or a coordinate that is not finite or beyond ±<see cref="MaxPolygonCoordinate"/>.
    /// </exception>
    public static Rle FromPolygon(ReadOnlySpan<double> xy, int height, int width)
    {
        CheckSize(height, width);
        string? problem = CheckPolygon(xy, minimumPoints: 1);
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(xy));
        }

        return new Rle(height, width, RasterisePolygon(xy, height, width));
    }

    /// <summary>The mask of a box, exactly as the COCO API's <c>frBbox</c> (the box rasterised as a polygon).</summary>
    /// <param name="box">The box <c>[x, y, w, h]</c>.</param>
    /// <param name="height">Mask height.</param>
    /// <param name="width">Mask width.</param>
    public static Rle FromBox(CocoBox box, int height, int width)
    {
        double xs = box.X, ys = box.Y, xe = xs + box.Width, ye = ys + box.Height;
        return FromPolygon([xs, ys, xs, ye, xe, ye, xe, ys], height, width);
    }

    /// <summary>Returns what is wrong with a polygon's coordinate list, or null.</summary>
    internal static string? CheckPolygon(ReadOnlySpan<double> xy, int minimumPoints)
    {
        if (xy.Length % 2 != 0)
        {
            return $"polygon has an odd number of coordinates ({xy.Length})";
        }

        if (xy.Length / 2 < minimumPoints)
        {
            return $"polygon has {xy.Length / 2} points, fewer than {minimumPoints}";
        }

        for (int i = 0; i < xy.Length; i++)
        {
            if (!double.IsFinite(xy[i]) || Math.Abs(xy[i]) > MaxPolygonCoordinate)
            {
                return $"polygon coordinate {i} ({xy[i]}) is not a finite number within ±{MaxPolygonCoordinate:0e0}";
            }
        }

        return null;
    }

    private static uint[] RasterisePolygon(ReadOnlySpan<double> xy, int height, int width)
    {
        int k = xy.Length / 2;
        int[] x = new int[k + 1], y = new int[k + 1];
        for (int j = 0; j < k; j++)
        {
            x[j] = (int)((PolygonScale * xy[2 * j]) + .5);
            y[j] = (int)((PolygonScale * xy[(2 * j) + 1]) + .5);
        }

        x[k] = x[0];
        y[k] = y[0];

        var boundary = new BoundaryPoints(height, width);
        try
        {
            // The upsampled outline is consumed as it is generated: only consecutive points matter.
            bool first = true;
            int pu = 0, pv = 0;
            for (int j = 0; j < k; j++)
            {
                int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
                int dx = Math.Abs(xe - xs), dy = Math.Abs(ys - ye);
                bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
                if (flip)
                {
                    (xs, xe) = (xe, xs);
                    (ys, ye) = (ye, ys);
                }

                if (dx >= dy)
                {
                    double s = (double)(ye - ys) / dx;
                    for (int d = 0; d <= dx; d++)
                    {
                        int t = flip ? dx - d : d;
                        int u = t + xs;
                        int v = (int)(ys + (s * t) + .5);
                        if (!first)
                        {
                            boundary.Step(pu, pv, u, v);
                        }

                        first = false;
                        pu = u;
                        pv = v;
                    }
                }
                else
                {
                    double s = (double)(xe - xs) / dy;
                    for (int d = 0; d <= dy; d++)
                    {
                        int t = flip ? dy - d : d;
                        int v = t + ys;
                        int u = (int)(xs + (s * t) + .5);
                        if (!first)
                        {
                            boundary.Step(pu, pv, u, v);
                        }

                        first = false;
                        pu = u;
                        pv = v;
                    }
                }
            }

            return boundary.ToCounts();
        }
        finally
        {
            boundary.Dispose();
        }
    }

    /// <summary>Collects the column-major positions where the outline crosses a pixel column's centre.</summary>
    private struct BoundaryPoints(int height, int width) : IDisposable
    {
        private uint[] _points = ArrayPool<uint>.Shared.Rent(256);
        private int _count;

        public void Step(int pu, int pv, int u, int v)
        {
            if (u == pu)
            {
                return;
            }

            double xd = u < pu ? u : u - 1;
            xd = ((xd + .5) / PolygonScale) - .5;
            if (Math.Floor(xd) != xd || xd < 0 || xd > width - 1)
            {
                return;
            }

            double yd = v < pv ? v : pv;
            yd = ((yd + .5) / PolygonScale) - .5;
            if (yd < 0)
            {
                yd = 0;
            }
            else if (yd > height)
            {
                yd = height;
            }

            yd = Math.Ceiling(yd);
            Add((uint)(((int)xd * height) + (int)yd));
        }

        public uint[] ToCounts()
        {
            Add((uint)(height * width));
            Span<uint> a = _points.AsSpan(0, _count);
            a.Sort();
            uint previous = 0;
            for (int j = 0; j < a.Length; j++)
            {
                uint t = a[j];
                a[j] -= previous;
                previous = t;
            }

            // Equal positions (zero differences) cancel: the run they would split continues.
            var counts = new uint[a.Length];
            int m = 0, i = 0;
            counts[m++] = a[i++];
            while (i < a.Length)
            {
                if (a[i] > 0)
                {
                    counts[m++] = a[i++];
                }
                else
                {
                    i++;
                    if (i < a.Length)
                    {
                        counts[m - 1] += a[i++];
                    }
                }
            }

            return counts.AsSpan(0, m).ToArray();
        }

        public void Dispose()
        {
            ArrayPool<uint>.Shared.Return(_points);
            _points = [];
        }

        private void Add(uint point)
        {
            if (_count == _points.Length)
            {
                uint[] larger = ArrayPool<uint>.Shared.Rent(_points.Length * 2);
                _points.AsSpan(0, _count).CopyTo(larger);
                ArrayPool<uint>.Shared.Return(_points);
                _points = larger;
            }

            _points[_count++] = point;
        }
    }
}
