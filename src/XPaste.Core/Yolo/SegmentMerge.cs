namespace XPaste.Yolo;

/// <summary>
/// Joins the polygons of a multi-part object into the single polygon a YOLO segment line holds, as Ultralytics'
/// <c>merge_multi_segment</c> does: each part is linked to the next at their closest pair of points; a forward pass
/// walks the first part whole, each middle part from its entry to its exit point, and the last part whole; a return
/// pass walks the middle parts' remaining points back, so every link is a zero-width bridge crossed once each way and
/// the polygon's fill is the parts' union. (Unlike Ultralytics, a middle part keeps its orientation.)
/// </summary>
internal static class SegmentMerge
{
    /// <summary>The joined polygon <c>x1, y1, ...</c>; a single part is returned as it is.</summary>
    public static double[] Merge(IReadOnlyList<double[]> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 1)
        {
            return parts[0];
        }

        int n = parts.Count;
        var entry = new int[n];
        var exit = new int[n];
        for (int i = 1; i < n; i++)
        {
            (exit[i - 1], entry[i]) = Nearest(parts[i - 1], parts[i]);
        }

        var output = new List<double>();
        // Forward: the first part closed from its exit, middle parts entry..exit, the last part closed from its entry.
        Walk(parts[0], exit[0], Points(parts[0]) + 1, output);
        for (int i = 1; i < n - 1; i++)
        {
            int count = ((exit[i] - entry[i] + Points(parts[i])) % Points(parts[i])) + 1;
            Walk(parts[i], entry[i], count, output);
        }

        Walk(parts[n - 1], entry[n - 1], Points(parts[n - 1]) + 1, output);
        // Back: each middle part from its exit round to its entry.
        for (int i = n - 2; i >= 1; i--)
        {
            // Entered and left at one point, a middle part is walked whole (closed) on the way back.
            int count = entry[i] == exit[i] ? Points(parts[i]) + 1 : ((entry[i] - exit[i] + Points(parts[i])) % Points(parts[i])) + 1;
            Walk(parts[i], exit[i], count, output);
        }

        return [.. output];
    }

    private static int Points(double[] xy) => xy.Length / 2;

    /// <summary>Appends <paramref name="count"/> points from <paramref name="start"/> on (a whole closed part is its points + 1).</summary>
    private static void Walk(double[] xy, int start, int count, List<double> output)
    {
        int points = Points(xy);
        for (int k = 0; k < count; k++)
        {
            int p = (start + k) % points;
            output.Add(xy[2 * p]);
            output.Add(xy[(2 * p) + 1]);
        }
    }

    private static (int A, int B) Nearest(double[] a, double[] b)
    {
        double best = double.MaxValue;
        (int, int) pair = (0, 0);
        for (int i = 0; i < Points(a); i++)
        {
            for (int j = 0; j < Points(b); j++)
            {
                double ddx = a[2 * i] - b[2 * j], ddy = a[(2 * i) + 1] - b[(2 * j) + 1];
                double d = (ddx * ddx) + (ddy * ddy);
                if (d < best)
                {
                    best = d;
                    pair = (i, j);
                }
            }
        }

        return pair;
    }
}
