using System.Buffers;

namespace XPaste.Extraction;

/// <summary>
/// Connected components of a thresholded byte mask, computed on horizontal runs rather than pixels: each row is
/// cut into runs of foreground with vectorised span searches, runs that touch in consecutive rows are merged with
/// a union-find, and holes are the background runs (under the dual connectivity) that cannot reach the border.
/// Work and memory grow with the number of runs, not of pixels.
/// </summary>
internal static class MaskComponents
{
    /// <summary>Finds the largest component of <c>mask &gt; threshold</c> and, optionally, the holes inside it.</summary>
    /// <param name="mask">Row-major <c>height x width</c> bytes.</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="threshold">Foreground is strictly above this value.</param>
    /// <param name="eightConnected">Foreground pixels touching diagonally belong together (holes then use 4-connectivity).</param>
    /// <param name="keepLargestOnly">Keep only the largest component; false keeps every foreground pixel.</param>
    /// <param name="fillHoles">Add the background regions enclosed by the kept pixels.</param>
    /// <returns>The kept region as runs, its box, and pixel counts.</returns>
    public static ComponentRegion LargestComponent(ReadOnlySpan<byte> mask, int height, int width, byte threshold,
        bool eightConnected = true, bool keepLargestOnly = true, bool fillHoles = true)
    {
        if (mask.Length != (long)height * width)
        {
            throw new ArgumentException($"mask has {mask.Length} bytes, expected {height}x{width}", nameof(mask));
        }

        using var foreground = new RunList(height);
        long foregroundPixels = threshold == byte.MaxValue ? 0 : foreground.AddForegroundRuns(mask, height, width, (byte)(threshold + 1));
        if (foregroundPixels == 0)
        {
            return ComponentRegion.Empty(height, width);
        }

        RunList kept;
        RunList? selection = null;
        if (keepLargestOnly)
        {
            selection = SelectLargest(foreground, eightConnected);
            kept = selection;
        }
        else
        {
            kept = foreground;
        }

        try
        {
            long keptPixels = kept.Pixels();
            var (x0, y0, x1, y1) = kept.Bounds();
            List<(int Row, int Start, int End)> runs = kept.ToList();
            long holePixels = 0;
            if (fillHoles)
            {
                holePixels = AddHoles(kept, width, eightConnected, y0, y1, runs);
            }

            return new ComponentRegion(height, width, foregroundPixels, keptPixels, holePixels, x0, y0, x1, y1, runs);
        }
        finally
        {
            selection?.Dispose();
        }
    }

    private static RunList SelectLargest(RunList runs, bool eightConnected)
    {
        int n = runs.Count;
        int[] parent = ArrayPool<int>.Shared.Rent(n);
        long[] area = ArrayPool<long>.Shared.Rent(n);
        try
        {
            for (int i = 0; i < n; i++)
            {
                parent[i] = i;
                area[i] = 0;
            }

            UnionRows(runs, parent, eightConnected ? 1 : 0, touchesBorder: null);
            for (int i = 0; i < n; i++)
            {
                area[Find(parent, i)] += runs.End[i] - runs.Start[i];
            }

            // Ties go to the component met first in raster order (the smallest root).
            int best = 0;
            for (int i = 1; i < n; i++)
            {
                if (area[i] > area[best])
                {
                    best = i;
                }
            }

            var selected = new RunList(runs.Height);
            for (int row = 0; row < runs.Height; row++)
            {
                for (int i = runs.RowStart[row]; i < runs.RowStart[row + 1]; i++)
                {
                    if (Find(parent, i) == best)
                    {
                        selected.Add(runs.Start[i], runs.End[i]);
                    }
                }

                selected.EndRow();
            }

            return selected;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(parent);
            ArrayPool<long>.Shared.Return(area);
        }
    }

    /// <summary>
    /// Adds to <paramref name="output"/> the background runs inside rows y0..y1 that cannot reach the image border.
    /// Rows outside the kept box are all background and touch the border, so only the box's rows are examined, and
    /// a gap in the first or last of them borders such a row.
    /// </summary>
    private static long AddHoles(RunList kept, int width, bool eightConnected, int y0, int y1, List<(int Row, int Start, int End)> output)
    {
        int rows = y1 - y0;
        using var gaps = new RunList(rows);
        for (int row = y0; row < y1; row++)
        {
            int x = 0;
            for (int i = kept.RowStart[row]; i < kept.RowStart[row + 1]; i++)
            {
                if (kept.Start[i] > x)
                {
                    gaps.Add(x, kept.Start[i]);
                }

                x = kept.End[i];
            }

            if (x < width)
            {
                gaps.Add(x, width);
            }

            gaps.EndRow();
        }

        int n = gaps.Count;
        if (n == 0)
        {
            return 0;
        }

        int[] parent = ArrayPool<int>.Shared.Rent(n);
        bool[] border = ArrayPool<bool>.Shared.Rent(n);
        try
        {
            for (int row = 0; row < rows; row++)
            {
                bool edgeRow = row == 0 || row == rows - 1;
                for (int i = gaps.RowStart[row]; i < gaps.RowStart[row + 1]; i++)
                {
                    parent[i] = i;
                    border[i] = edgeRow || gaps.Start[i] == 0 || gaps.End[i] == width;
                }
            }

            // Background uses the dual connectivity, so a diagonal gap in an 8-connected outline does not leak.
            UnionRows(gaps, parent, eightConnected ? 0 : 1, border);
            long pixels = 0;
            for (int row = 0; row < rows; row++)
            {
                for (int i = gaps.RowStart[row]; i < gaps.RowStart[row + 1]; i++)
                {
                    if (!border[Find(parent, i)])
                    {
                        output.Add((row + y0, gaps.Start[i], gaps.End[i]));
                        pixels += gaps.End[i] - gaps.Start[i];
                    }
                }
            }

            return pixels;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(parent);
            ArrayPool<bool>.Shared.Return(border);
        }
    }

    /// <summary>
    /// Unions every run with the runs of the previous row it touches: with <paramref name="reach"/> 0 they must
    /// share a column (4-connectivity), with 1 a diagonal neighbour is enough (8-connectivity).
    /// </summary>
    private static void UnionRows(RunList runs, int[] parent, int reach, bool[]? touchesBorder)
    {
        for (int row = 1; row < runs.Height; row++)
        {
            int j = runs.RowStart[row - 1], previousEnd = runs.RowStart[row];
            for (int i = runs.RowStart[row]; i < runs.RowStart[row + 1]; i++)
            {
                int start = runs.Start[i], end = runs.End[i];
                while (j < previousEnd && runs.End[j] + reach <= start)
                {
                    j++;
                }

                for (int k = j; k < previousEnd && runs.Start[k] < end + reach; k++)
                {
                    Union(parent, i, k, touchesBorder);
                }
            }
        }
    }

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }

        return i;
    }

    private static void Union(int[] parent, int a, int b, bool[]? flag)
    {
        int ra = Find(parent, a), rb = Find(parent, b);
        if (ra == rb)
        {
            return;
        }

        // The smaller index becomes the root, so roots are the first run of each component in raster order.
        if (rb < ra)
        {
            (ra, rb) = (rb, ra);
        }

        parent[rb] = ra;
        if (flag is not null)
        {
            flag[ra] |= flag[rb];
        }
    }

    /// <summary>Runs <c>[Start, End)</c> grouped by row, in pooled arrays.</summary>
    private sealed class RunList : IDisposable
    {
        public RunList(int height)
        {
            Height = height;
            RowStart = ArrayPool<int>.Shared.Rent(height + 1);
            RowStart[0] = 0;
            Start = ArrayPool<int>.Shared.Rent(Math.Max(16, height));
            End = ArrayPool<int>.Shared.Rent(Math.Max(16, height));
        }

        public int Height { get; }

        public int[] RowStart { get; }

        public int[] Start { get; private set; }

        public int[] End { get; private set; }

        public int Count { get; private set; }

        private int _rows;

        public void Add(int start, int end)
        {
            if (Count == Start.Length)
            {
                Start = Grow(Start, Count);
                End = Grow(End, Count);
            }

            Start[Count] = start;
            End[Count] = end;
            Count++;
        }

        public void EndRow() => RowStart[++_rows] = Count;

        /// <summary>Appends the runs of bytes >= <paramref name="minimum"/> of every row; returns their pixel count.</summary>
        public long AddForegroundRuns(ReadOnlySpan<byte> mask, int height, int width, byte minimum)
        {
            long pixels = 0;
            for (int y = 0; y < height; y++)
            {
                ReadOnlySpan<byte> row = mask.Slice(y * width, width);
                int x = 0;
                while (x < width)
                {
                    int found = row[x..].IndexOfAnyInRange(minimum, byte.MaxValue);
                    if (found < 0)
                    {
                        break;
                    }

                    int start = x + found;
                    int length = row[start..].IndexOfAnyInRange((byte)0, (byte)(minimum - 1));
                    int end = length < 0 ? width : start + length;
                    Add(start, end);
                    pixels += end - start;
                    x = end;
                }

                EndRow();
            }

            return pixels;
        }

        public long Pixels()
        {
            long pixels = 0;
            for (int i = 0; i < Count; i++)
            {
                pixels += End[i] - Start[i];
            }

            return pixels;
        }

        /// <summary>The box <c>[x0, x1) x [y0, y1)</c> of all runs (the list is not empty).</summary>
        public (int X0, int Y0, int X1, int Y1) Bounds()
        {
            int x0 = int.MaxValue, x1 = 0, y0 = -1, y1 = 0;
            for (int row = 0; row < Height; row++)
            {
                int first = RowStart[row], last = RowStart[row + 1];
                if (first == last)
                {
                    continue;
                }

                if (y0 < 0)
                {
                    y0 = row;
                }

                y1 = row + 1;
                x0 = Math.Min(x0, Start[first]);
                x1 = Math.Max(x1, End[last - 1]);
            }

            return (x0, y0, x1, y1);
        }

        public List<(int Row, int Start, int End)> ToList()
        {
            var list = new List<(int, int, int)>(Count);
            for (int row = 0; row < Height; row++)
            {
                for (int i = RowStart[row]; i < RowStart[row + 1]; i++)
                {
                    list.Add((row, Start[i], End[i]));
                }
            }

            return list;
        }

        public void Dispose()
        {
            ArrayPool<int>.Shared.Return(RowStart);
            ArrayPool<int>.Shared.Return(Start);
            ArrayPool<int>.Shared.Return(End);
        }

        private static int[] Grow(int[] array, int count)
        {
            int[] larger = ArrayPool<int>.Shared.Rent(array.Length * 2);
            Array.Copy(array, larger, count);
            ArrayPool<int>.Shared.Return(array);
            return larger;
        }
    }
}

/// <summary>The region <see cref="MaskComponents.LargestComponent"/> keeps: runs of the component and of its filled holes.</summary>
internal sealed class ComponentRegion
{
    internal ComponentRegion(int height, int width, long foregroundPixels, long componentPixels, long holePixels,
        int x0, int y0, int x1, int y1, List<(int Row, int Start, int End)> runs)
    {
        Height = height;
        Width = width;
        ForegroundPixels = foregroundPixels;
        ComponentPixels = componentPixels;
        HolePixels = holePixels;
        X0 = x0;
        Y0 = y0;
        X1 = x1;
        Y1 = y1;
        Runs = runs;
    }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Pixels above the threshold in the whole mask (every component).</summary>
    public long ForegroundPixels { get; }

    /// <summary>Pixels of the kept component(s), holes not counted.</summary>
    public long ComponentPixels { get; }

    /// <summary>Pixels of the filled holes.</summary>
    public long HolePixels { get; }

    /// <summary>The kept region's box, <c>[X0, X1) x [Y0, Y1)</c>; all zero when nothing is kept.</summary>
    public int X0 { get; }

    /// <inheritdoc cref="X0"/>
    public int Y0 { get; }

    /// <inheritdoc cref="X0"/>
    public int X1 { get; }

    /// <inheritdoc cref="X0"/>
    public int Y1 { get; }

    /// <summary>Row and <c>[Start, End)</c> column span of every kept pixel run (component and holes; unordered).</summary>
    public IReadOnlyList<(int Row, int Start, int End)> Runs { get; }

    public bool IsEmpty => ComponentPixels == 0;

    public static ComponentRegion Empty(int height, int width) => new(height, width, 0, 0, 0, 0, 0, 0, 0, []);

    /// <summary>Writes <paramref name="value"/> over the kept pixels of a row-major buffer covering the box <c>[x0, x0+w) x [y0, y0+h)</c>.</summary>
    public void Rasterize(Span<byte> target, int x0, int y0, int w, int h, byte value)
    {
        foreach (var (row, start, end) in Runs)
        {
            int y = row - y0;
            if (y < 0 || y >= h)
            {
                continue;
            }

            int s = Math.Max(start - x0, 0), e = Math.Min(end - x0, w);
            if (e > s)
            {
                target.Slice((y * w) + s, e - s).Fill(value);
            }
        }
    }
}
