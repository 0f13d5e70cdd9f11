namespace XPaste.Masks;

/// <summary>
/// Polygons of a mask: the outer boundary of each 4-connected part, traced along pixel edges (pixel <c>(x, y)</c> spans
/// <c>[x, x+1] x [y, y+1]</c>), with only the corners kept. Holes are not traced: a part's polygon covers its holes.
/// </summary>
internal static class MaskContours
{
    /// <summary>The outer polygon (<c>x1, y1, x2, y2, ...</c>, pixel-edge corners) of each part, parts in raster order of their first pixel.</summary>
    public static List<double[]> Outer(Rle mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        int h = mask.Height, w = mask.Width;
        var pixels = new byte[h * w];
        RowMajorRunLength.Decode(mask.Counts, pixels, h, w);
        return Outer(pixels, h, w);
    }

    /// <summary>As <see cref="Outer(Rle)"/> for a row-major 0/1 mask.</summary>
    public static List<double[]> Outer(byte[] pixels, int h, int w)
    {
        // Label the 4-connected parts (0 = background), then trace each from its first pixel in raster order.
        var labels = new int[h * w];
        var polygons = new List<double[]>();
        var stack = new Stack<int>();
        int next = 0;
        for (int start = 0; start < pixels.Length; start++)
        {
            if (pixels[start] == 0 || labels[start] != 0)
            {
                continue;
            }

            next++;
            labels[start] = next;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int p = stack.Pop(), x = p % w, y = p / w;
                Visit(x > 0, p - 1);
                Visit(x + 1 < w, p + 1);
                Visit(y > 0, p - w);
                Visit(y + 1 < h, p + w);
            }

            polygons.Add(Trace(labels, next, start % w, start / w, h, w));
        }

        return polygons;

        void Visit(bool inside, int q)
        {
            if (inside && pixels[q] != 0 && labels[q] == 0)
            {
                labels[q] = next;
                stack.Push(q);
            }
        }
    }

    /// <summary>
    /// Walks the part's outer boundary from the top-left corner of its first pixel, heading east with the part on the
    /// right: at each corner, turn right when the pixel ahead on the right is outside the part, left when the pixel
    /// ahead on the left is inside it, else go straight.
    /// </summary>
    private static double[] Trace(int[] labels, int label, int x0, int y0, int h, int w)
    {
        bool In(int x, int y) => x >= 0 && y >= 0 && x < w && y < h && labels[(y * w) + x] == label;
        int[] dx = [1, 0, -1, 0], dy = [0, 1, 0, -1]; // east, south, west, north (y down)
        var corners = new List<double>();
        int vx = x0, vy = y0, d = 0;
        do
        {
            (int rx, int ry, int lx, int ly) = d switch
            {
                0 => (vx, vy, vx, vy - 1),
                1 => (vx - 1, vy, vx, vy),
                2 => (vx - 1, vy - 1, vx - 1, vy),
                _ => (vx, vy - 1, vx - 1, vy - 1),
            };
            int nd = !In(rx, ry) ? (d + 1) % 4 : In(lx, ly) ? (d + 3) % 4 : d;
            if (nd != d || corners.Count == 0)
            {
                corners.Add(vx);
                corners.Add(vy);
            }

            d = nd;
            vx += dx[d];
            vy += dy[d];
        }
        while (vx != x0 || vy != y0);

        return [.. corners];
    }
}
