using System.Buffers;
using System.Numerics;

namespace XPaste.Masks;

/// <summary>
/// COCO run-length coding straight from and to row-major masks, without transposing the pixels.
/// A column-major run boundary is a pixel whose value differs from the pixel above it (or, at the top of a column,
/// from the bottom of the previous column): those are found a row pair at a time with vector compares, then put in
/// column-major order by a counting sort on the column. Decoding turns runs into per-row toggles and sweeps the rows,
/// each row a copy of the one above with its toggled pixels flipped.
/// </summary>
internal static class RowMajorRunLength
{
    /// <summary>Encodes a row-major mask (non-zero = set) into COCO counts, exactly as <see cref="RunLength.Encode"/> of its transpose.</summary>
    public static uint[] Encode(ReadOnlySpan<byte> mask, int height, int width)
    {
        if (height == 0 || width == 0)
        {
            return [0];
        }

        // Boundaries in row-scan order, as column-major positions; row 0 first so that each column's are in order.
        var found = new PooledList(256);
        var perColumn = ArrayPool<int>.Shared.Rent(width + 1);
        try
        {
            Span<int> columnCounts = perColumn.AsSpan(0, width + 1);
            columnCounts.Clear();
            if (mask[0] != 0)
            {
                found.Add(0);
                columnCounts[0]++;
            }

            // Top of column x against the bottom of column x - 1.
            ReadOnlySpan<byte> first = mask[..width];
            ReadOnlySpan<byte> last = mask.Slice((height - 1) * width, width);
            CollectDifferences(first[1..], last[..^1], 1, 0, height, ref found, columnCounts);
            for (int y = 1; y < height; y++)
            {
                CollectDifferences(mask.Slice(y * width, width), mask.Slice((y - 1) * width, width), 0, y, height, ref found, columnCounts);
            }

            // Counting sort by column (stable: rows stay ascending within a column).
            int total = found.Count;
            uint[] sorted = ArrayPool<uint>.Shared.Rent(Math.Max(total, 1));
            try
            {
                int start = 0;
                for (int x = 0; x < width; x++)
                {
                    int c = columnCounts[x];
                    columnCounts[x] = start;
                    start += c;
                }

                ReadOnlySpan<uint> positions = found.Span;
                foreach (uint p in positions)
                {
                    sorted[columnCounts[(int)(p / (uint)height)]++] = p;
                }

                var counts = new uint[total + 1];
                uint previous = 0;
                for (int i = 0; i < total; i++)
                {
                    counts[i] = sorted[i] - previous;
                    previous = sorted[i];
                }

                counts[total] = (uint)(height * width) - previous;
                return counts;
            }
            finally
            {
                ArrayPool<uint>.Shared.Return(sorted);
            }
        }
        finally
        {
            found.Dispose();
            ArrayPool<int>.Shared.Return(perColumn);
        }
    }

    /// <summary>Decodes COCO counts (summing to <c>height * width</c>) into a row-major mask of 0/1 bytes.</summary>
    public static void Decode(ReadOnlySpan<uint> counts, Span<byte> mask, int height, int width)
    {
        if (height == 0 || width == 0)
        {
            return;
        }

        // Toggles (x, y): column x changes value at row y. Two toggles at one pixel cancel, as XOR does.
        var toggles = new PooledList(256);
        int[] perRow = ArrayPool<int>.Shared.Rent(height + 1);
        try
        {
            Span<int> rowCounts = perRow.AsSpan(0, height + 1);
            rowCounts.Clear();
            uint h = (uint)height;
            uint position = 0;
            for (int i = 0; i < counts.Length; i++)
            {
                uint start = position;
                position += counts[i];
                if (i % 2 == 0 || counts[i] == 0)
                {
                    continue;
                }

                uint x0 = start / h, y0 = start % h;
                uint x1 = (position - 1) / h, y1 = ((position - 1) % h) + 1;
                AddToggle(ref toggles, rowCounts, x0, y0, h);
                for (uint x = x0 + 1; x <= x1; x++)
                {
                    AddToggle(ref toggles, rowCounts, x, 0, h);
                }

                AddToggle(ref toggles, rowCounts, x1, y1, h);
            }

            int total = toggles.Count;
            int[] byRow = ArrayPool<int>.Shared.Rent(Math.Max(total, 1));
            try
            {
                int start = 0;
                for (int y = 0; y < height; y++)
                {
                    int c = rowCounts[y];
                    rowCounts[y] = start;
                    start += c;
                }

                rowCounts[height] = start;
                foreach (uint t in toggles.Span)
                {
                    uint y = t % h;
                    byRow[rowCounts[(int)y]++] = (int)(t / h);
                }

                // rowCounts[y] now ends row y's toggles; row y's start is the previous row's end.
                int begin = 0;
                for (int y = 0; y < height; y++)
                {
                    Span<byte> row = mask.Slice(y * width, width);
                    if (y == 0)
                    {
                        row.Clear();
                    }
                    else
                    {
                        mask.Slice((y - 1) * width, width).CopyTo(row);
                    }

                    int end = rowCounts[y];
                    for (int k = begin; k < end; k++)
                    {
                        row[byRow[k]] ^= 1;
                    }

                    begin = end;
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(byRow);
            }
        }
        finally
        {
            toggles.Dispose();
            ArrayPool<int>.Shared.Return(perRow);
        }
    }

    private static void AddToggle(ref PooledList toggles, Span<int> rowCounts, uint x, uint y, uint h)
    {
        // A toggle at the bottom edge (y = h) changes nothing inside the mask.
        if (y >= h)
        {
            return;
        }

        toggles.Add((x * h) + y);
        rowCounts[(int)y]++;
    }

    /// <summary>
    /// Adds <c>(x + xOffset) * height + y</c> for every x where <paramref name="a"/>[x] and <paramref name="b"/>[x]
    /// differ in being zero; vector compares skip the (usually many) equal stretches.
    /// </summary>
    private static void CollectDifferences(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int xOffset, int y, int height,
        ref PooledList found, Span<int> columnCounts)
    {
        int x = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<byte>.Count)
        {
            int lastVector = a.Length - Vector<byte>.Count;
            for (; x <= lastVector; x += Vector<byte>.Count)
            {
                var va = Vector.Equals(new Vector<byte>(a[x..]), Vector<byte>.Zero);
                var vb = Vector.Equals(new Vector<byte>(b[x..]), Vector<byte>.Zero);
                Vector<byte> differ = Vector.Xor(va, vb);
                if (differ == Vector<byte>.Zero)
                {
                    continue;
                }

                for (int k = 0; k < Vector<byte>.Count; k++)
                {
                    if (differ[k] != 0)
                    {
                        Add(x + k, xOffset, y, height, ref found, columnCounts);
                    }
                }
            }
        }

        for (; x < a.Length; x++)
        {
            if ((a[x] == 0) != (b[x] == 0))
            {
                Add(x, xOffset, y, height, ref found, columnCounts);
            }
        }
    }

    private static void Add(int x, int xOffset, int y, int height, ref PooledList found, Span<int> columnCounts)
    {
        int column = x + xOffset;
        found.Add((uint)((column * height) + y));
        columnCounts[column]++;
    }

    /// <summary>A growable list of uints on pooled arrays.</summary>
    private struct PooledList(int capacity) : IDisposable
    {
        private uint[] _items = ArrayPool<uint>.Shared.Rent(capacity);

        public int Count { get; private set; }

        public readonly ReadOnlySpan<uint> Span => _items.AsSpan(0, Count);

        public void Add(uint value)
        {
            if (Count == _items.Length)
            {
                uint[] larger = ArrayPool<uint>.Shared.Rent(_items.Length * 2);
                _items.AsSpan(0, Count).CopyTo(larger);
                ArrayPool<uint>.Shared.Return(_items);
                _items = larger;
            }

            _items[Count++] = value;
        }

        public void Dispose()
        {
            ArrayPool<uint>.Shared.Return(_items);
            _items = [];
        }
    }
}
