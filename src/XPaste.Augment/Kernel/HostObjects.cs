using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// One image's objects on the CPU path (<see cref="HostPasteRun"/>): full-size masks in one <c>bool [cap,H,W]</c> tensor
/// whose bytes are read and written in place, and per object, in managed arrays, the per-row and per-column pixel
/// counts, the tight box, the area and the rule's state. Exact boxes are known on the host at every step, so a paste
/// touches only the objects whose box meets its region, and only inside that intersection.
/// </summary>
internal sealed class HostObjects
{
    private readonly int _h, _w;
    private readonly int[] _rows, _cols;

    public HostObjects(AnnotatedImage destination, int capacity)
    {
        _h = destination.Height;
        _w = destination.Width;
        Capacity = Math.Max(1, capacity);
        long plane = (long)_h * _w;
        Masks = empty([Capacity, _h, _w], ScalarType.Bool);
        _rows = new int[Capacity * _h];
        _cols = new int[Capacity * _w];
        Boxes = new int[Capacity * 4];
        Area = new long[Capacity];
        StartArea = new long[Capacity];
        Alive = new bool[Capacity];
        Touched = new bool[Capacity];
        Labels = new long[Capacity];
        Pasted = new bool[Capacity];

        Span<byte> all = Masks.bytes;
        int n = destination.Labels.Count;
        if (n > 0)
        {
            using Tensor source = destination.Masks.cpu().contiguous();
            source.bytes.CopyTo(all);
        }

        // Pasted objects' masks must be empty outside their region.
        all[(int)(n * plane)..].Clear();
        for (int i = 0; i < n; i++)
        {
            Area[i] = StartArea[i] = CountMask(i);
            Alive[i] = Area[i] > 0;
            Labels[i] = destination.Labels[i];
            Pasted[i] = destination.IsPasted[i];
            UpdateBox(i);
        }

        StartBoxes = (int[])Boxes.Clone();
        Count = n;
    }

    /// <summary><c>bool [cap,H,W]</c>: slot i is object i's mask.</summary>
    public Tensor Masks { get; }

    public int Capacity { get; }

    public int Count { get; private set; }

    /// <summary>Per object x1, y1, x2, y2 (x2 = last column + 1; zeros when empty).</summary>
    public int[] Boxes { get; }

    public long[] Area { get; }

    /// <summary>The destination's objects' boxes before any paste (zeros for later slots).</summary>
    public int[] StartBoxes { get; }

    public long[] StartArea { get; }

    public bool[] Alive { get; }

    public bool[] Touched { get; }

    public long[] Labels { get; }

    public bool[] Pasted { get; }

    private Span<byte> Plane(Span<byte> all, int i) => all.Slice(i * _h * _w, _h * _w);

    /// <summary>Removes <paramref name="union"/> (0/1 bytes, <c>r.H x r.W</c>) from every live object whose box meets the region.</summary>
    public void Occlude(Region r, ReadOnlySpan<byte> union)
    {
        Span<byte> all = Masks.bytes;
        for (int i = 0; i < Count; i++)
        {
            if (!Alive[i])
            {
                continue;
            }

            int bx0 = Math.Max(Boxes[(4 * i) + 0], r.X), by0 = Math.Max(Boxes[(4 * i) + 1], r.Y);
            int bx1 = Math.Min(Boxes[(4 * i) + 2], r.X + r.W), by1 = Math.Min(Boxes[(4 * i) + 3], r.Y + r.H);
            if (bx1 <= bx0 || by1 <= by0)
            {
                continue;
            }

            Span<byte> plane = Plane(all, i);
            Span<int> rows = _rows.AsSpan(i * _h, _h), cols = _cols.AsSpan(i * _w, _w);
            int width = bx1 - bx0;
            long removedTotal = 0;
            for (int y = by0; y < by1; y++)
            {
                Span<byte> m = plane.Slice((y * _w) + bx0, width);
                ReadOnlySpan<byte> u = union.Slice(((y - r.Y) * r.W) + (bx0 - r.X), width);
                int first = m.IndexOfAnyExcept((byte)0);
                if (first < 0)
                {
                    continue;
                }

                int last = m.LastIndexOfAnyExcept((byte)0);
                int removed = 0;
                for (int x = first; x <= last; x++)
                {
                    int gone = m[x] & u[x];
                    m[x] = (byte)(m[x] ^ gone);
                    cols[bx0 + x] -= gone;
                    removed += gone;
                }

                rows[y] -= removed;
                removedTotal += removed;
            }

            if (removedTotal > 0)
            {
                Area[i] -= removedTotal;
                Touched[i] = true;
            }
        }
    }

    /// <summary>Adds an object whose mask inside region r is <paramref name="mask"/> (0/1 bytes, <c>r.H x r.W</c>).</summary>
    public void Add(Region r, ReadOnlySpan<byte> mask, long label)
    {
        int i = Count++;
        Span<byte> plane = Plane(Masks.bytes, i);
        Span<int> rows = _rows.AsSpan(i * _h, _h), cols = _cols.AsSpan(i * _w, _w);
        long area = 0;
        for (int y = 0; y < r.H; y++)
        {
            ReadOnlySpan<byte> u = mask.Slice(y * r.W, r.W);
            u.CopyTo(plane.Slice(((r.Y + y) * _w) + r.X, r.W));
            int first = u.IndexOfAnyExcept((byte)0);
            if (first < 0)
            {
                continue;
            }

            int last = u.LastIndexOfAnyExcept((byte)0), count = 0;
            for (int x = first; x <= last; x++)
            {
                count += u[x];
                cols[r.X + x] += u[x];
            }

            rows[r.Y + y] = count;
            area += count;
        }

        Area[i] = area;
        StartArea[i] = -1; // marks the step's new objects for EndStep
        Labels[i] = label;
        Pasted[i] = true;
    }

    /// <summary>Ends a paste step: new boxes for the objects it changed, the occlusion rule for them, the new objects entered.</summary>
    public void EndStep(PasteKernelOptions o)
    {
        for (int i = 0; i < Count; i++)
        {
            if (StartArea[i] < 0)
            {
                UpdateBox(i);
                StartArea[i] = Area[i];
                Alive[i] = Area[i] > 0;
                continue;
            }

            if (!Touched[i])
            {
                // Untouched: same box and area, so the rule keeps it as it was.
                continue;
            }

            Touched[i] = false;
            int b = 4 * i;
            int x1 = Boxes[b], y1 = Boxes[b + 1], x2 = Boxes[b + 2], y2 = Boxes[b + 3];
            UpdateBox(i);
            bool keep = o.Occlusion == OcclusionRule.Reference
                ? (Math.Abs(Boxes[b] - x1) <= o.MaxBoxShift && Math.Abs(Boxes[b + 1] - y1) <= o.MaxBoxShift
                    && Math.Abs(Boxes[b + 2] - x2) <= o.MaxBoxShift && Math.Abs(Boxes[b + 3] - y2) <= o.MaxBoxShift)
                    || Area[i] > o.MinRemainingPixels
                : Area[i] >= StartArea[i] * o.MinVisibleFraction;
            Alive[i] = keep && (!o.DropEmptyObjects || Area[i] > 0);
        }
    }

    private long CountMask(int i)
    {
        ReadOnlySpan<byte> plane = Plane(Masks.bytes, i);
        Span<int> rows = _rows.AsSpan(i * _h, _h), cols = _cols.AsSpan(i * _w, _w);
        long total = 0;
        for (int y = 0; y < _h; y++)
        {
            ReadOnlySpan<byte> row = plane.Slice(y * _w, _w);
            int first = row.IndexOfAnyExcept((byte)0);
            if (first < 0)
            {
                continue;
            }

            int last = row.LastIndexOfAnyExcept((byte)0), count = 0;
            for (int x = first; x <= last; x++)
            {
                count += row[x];
                cols[x] += row[x];
            }

            rows[y] = count;
            total += count;
        }

        return total;
    }

    private void UpdateBox(int i)
    {
        ReadOnlySpan<int> rows = _rows.AsSpan(i * _h, _h), cols = _cols.AsSpan(i * _w, _w);
        int y1 = rows.IndexOfAnyExcept(0);
        Span<int> box = Boxes.AsSpan(4 * i, 4);
        if (y1 < 0)
        {
            box.Clear();
            return;
        }

        box[0] = cols.IndexOfAnyExcept(0);
        box[1] = y1;
        box[2] = cols.LastIndexOfAnyExcept(0) + 1;
        box[3] = rows.LastIndexOfAnyExcept(0) + 1;
    }
}
