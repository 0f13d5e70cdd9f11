namespace XPaste.Masks;

/// <summary>
/// Polygons of a mask: the outer boundary of each 4-connected part, traced along pixel edges (pixel <c>(x, y)</c> spans
/// <c>[x, x+1] x [y, y+1]</c>), with only the corners kept. <see cref="Outer(Rle)"/> does not trace holes (a part's polygon
/// covers them); <see cref="WithHoles"/> also traces the outer boundary of each enclosed background region, so that
/// the polygons filled with the even-odd rule (as COCO and OpenCV fill them) give the mask exactly.
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

    /// <summary>
    /// Every boundary of the mask: the outer boundaries of its parts and the boundaries of its holes, each a closed
    /// polygon along pixel edges. Every edge between a set and an unset pixel lies on exactly one of them, so their
    /// even-odd fill (COCO's and OpenCV's rule) is the mask exactly, however they nest.
    /// </summary>
    public static List<double[]> WithHoles(Rle mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        int h = mask.Height, w = mask.Width;
        var pixels = new byte[h * w];
        RowMajorRunLength.Decode(mask.Counts, pixels, h, w);
        bool In(int x, int y) => x >= 0 && y >= 0 && x < w && y < h && pixels[(y * w) + x] != 0;
        // Every cycle has an eastward edge (the top edge of a set pixel under an unset one): start at each one not yet walked.
        var walked = new bool[h * w];
        var polygons = new List<double[]>();
        for (int p = 0; p < pixels.Length; p++)
        {
            int x = p % w, y = p / w;
            if (pixels[p] != 0 && !In(x, y - 1) && !walked[p])
            {
                polygons.Add(Trace(In, x, y, (ex, ey) => walked[(ey * w) + ex] = true));
            }
        }

        return polygons;
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

            int label = next;
            polygons.Add(Trace((x, y) => x >= 0 && y >= 0 && x < w && y < h && labels[(y * w) + x] == label, start % w, start / w, null));
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
    /// Walks a boundary from the vertex <c>(x0, y0)</c> heading east with the set pixels on the right: at each corner,
    /// turn right when the pixel ahead on the right is unset, left when the pixel ahead on the left is set, else go
    /// straight (4-connected set pixels). Stops on coming back to the first edge; <paramref name="onEast"/> hears of each
    /// eastward edge by the pixel below it.
    /// </summary>
    private static double[] Trace(Func<int, int, bool> isSet, int x0, int y0, Action<int, int>? onEast)
    {
        int[] dx = [1, 0, -1, 0], dy = [0, 1, 0, -1]; // east, south, west, north (y down)
        var corners = new List<double>();
        int vx = x0, vy = y0, d = 3;
        while (true)
        {
            (int rx, int ry, int lx, int ly) = d switch
            {
                0 => (vx, vy, vx, vy - 1),
                1 => (vx - 1, vy, vx, vy),
                2 => (vx - 1, vy - 1, vx - 1, vy),
                _ => (vx, vy - 1, vx - 1, vy - 1),
            };
            int nd = corners.Count == 0 ? 0 : !isSet(rx, ry) ? (d + 1) % 4 : isSet(lx, ly) ? (d + 3) % 4 : d;
            if (corners.Count > 0 && vx == x0 && vy == y0 && nd == 0)
            {
                break;
            }

            if (nd != d)
            {
                corners.Add(vx);
                corners.Add(vy);
            }

            if (nd == 0)
            {
                onEast?.Invoke(vx, vy);
            }

            d = nd;
            vx += dx[d];
            vy += dy[d];
        }

        return [.. corners];
    }
}
