using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>A clipped rectangle of the destination.</summary>
internal readonly record struct Region(int X, int Y, int W, int H)
{
    public bool Intersects(Region other) =>
        X < other.X + other.W && other.X < X + W && Y < other.Y + other.H && other.Y < Y + H;
}

/// <summary>
/// The objects of a batch of destinations while pastes are applied, for all images at once:
/// full-size masks <c>[B,cap,H,W]</c> (one slot per object that can appear), per-row and per-column pixel counts
/// (so boxes and areas never need a full rescan), current boxes, live flags and starting areas, all on the device.
/// The host keeps labels, flags and a conservative box per object (where its mask can still be: masks only shrink),
/// which limits each paste's mask updates to the objects it can touch without asking the device.
/// <para>
/// Per paste (<see cref="Occlude"/>, <see cref="Add"/>) only the pasted region is touched; the occlusion rule and the
/// box updates run once per step for the whole batch (<see cref="EndStep"/>).
/// </para>
/// </summary>
internal sealed class ObjectState : IDisposable
{
    private readonly PasteKernelOptions _options;
    private readonly ProjectionBoxes _projection;
    private readonly int _batch, _capacity;
    private readonly Tensor _masks;     // bool [B,cap,H,W]
    private readonly Tensor _rows;      // int32 [B,cap,H]
    private readonly Tensor _cols;      // int32 [B,cap,W]
    private readonly Tensor _boxes;     // float32 [B,cap,4]
    private readonly Tensor _alive;     // bool [B,cap]
    private readonly Tensor _startArea; // int64 [B,cap]
    private readonly int[] _count;
    private readonly Region[][] _hull;
    private readonly long[][] _labels;
    private readonly bool[][] _pasted;
    private readonly bool[] _added;     // host [B*cap]: slots filled in the current step

    /// <summary>Allocates the state and loads the destinations' objects.</summary>
    /// <param name="destinations">The destinations.</param>
    /// <param name="totals">Per image, how many objects it can end with (its own plus all pasted).</param>
    /// <param name="device">Where the state lives.</param>
    /// <param name="options">The occlusion rule.</param>
    public ObjectState(IReadOnlyList<AnnotatedImage> destinations, int[] totals, Device device, PasteKernelOptions options)
    {
        _options = options;
        _batch = destinations.Count;
        _capacity = Math.Max(1, totals.Max());
        int h = destinations[0].Height, w = destinations[0].Width;
        _projection = new ProjectionBoxes(h, w, device);
        _masks = empty([_batch, _capacity, h, w], ScalarType.Bool, device).DetachFromDisposeScope();
        _rows = zeros([_batch, _capacity, h], ScalarType.Int32, device).DetachFromDisposeScope();
        _cols = zeros([_batch, _capacity, w], ScalarType.Int32, device).DetachFromDisposeScope();
        _count = new int[_batch];
        _hull = new Region[_batch][];
        _labels = new long[_batch][];
        _pasted = new bool[_batch][];
        _added = new bool[_batch * _capacity];

        using (var scope = NewDisposeScope())
        {
            for (int b = 0; b < _batch; b++)
            {
                AnnotatedImage d = destinations[b];
                int n = d.Labels.Count;
                _hull[b] = new Region[_capacity];
                _labels[b] = new long[_capacity];
                _pasted[b] = new bool[_capacity];
                Tensor slots = _masks[b];
                if (n > 0)
                {
                    Tensor m = d.Masks.to(device);
                    slots.narrow(0, 0, n).copy_(m);
                    _rows[b].narrow(0, 0, n).copy_(m.sum(2, type: ScalarType.Int32));
                    _cols[b].narrow(0, 0, n).copy_(m.sum(1, type: ScalarType.Int32));
                }

                // Pasted objects' rows must be empty outside their region; slots past the total are never read.
                if (totals[b] > n)
                {
                    slots.narrow(0, n, totals[b] - n).zero_();
                }

                for (int i = 0; i < n; i++)
                {
                    _labels[b][i] = d.Labels[i];
                    _pasted[b][i] = d.IsPasted[i];
                }

                _count[b] = n;
            }

            _boxes = _projection.Compute(_rows.gt(0), _cols.gt(0)).DetachFromDisposeScope();
            _startArea = _rows.sum(-1, type: ScalarType.Int64).DetachFromDisposeScope();
            _alive = _startArea.gt(0).DetachFromDisposeScope();
        }

        // The destinations' boxes, once, to the host: the starting conservative boxes.
        float[] boxes = _boxes.cpu().data<float>().ToArray();
        for (int b = 0; b < _batch; b++)
        {
            for (int i = 0; i < _count[b]; i++)
            {
                int o = ((b * _capacity) + i) * 4;
                _hull[b][i] = new Region((int)boxes[o], (int)boxes[o + 1], (int)(boxes[o + 2] - boxes[o]), (int)(boxes[o + 3] - boxes[o + 1]));
            }
        }
    }

    /// <summary>Removes <paramref name="occluder"/> (<c>bool [r.H, r.W]</c>) from image b's earlier objects that can reach the region.</summary>
    public void Occlude(int b, Region r, Tensor occluder)
    {
        int n = _count[b];
        int first = -1, last = -1, hits = 0;
        for (int i = 0; i < n; i++)
        {
            if (_hull[b][i].Intersects(r))
            {
                first = first < 0 ? i : first;
                last = i;
                hits++;
            }
        }

        if (hits == 0)
        {
            return;
        }

        using var scope = NewDisposeScope();
        Tensor region = _masks[b].narrow(1, r.Y, r.H).narrow(2, r.X, r.W);
        Tensor rows = _rows[b].narrow(1, r.Y, r.H);
        Tensor cols = _cols[b].narrow(1, r.X, r.W);
        Tensor keepMask = occluder.logical_not();
        if (hits == last - first + 1)
        {
            // A contiguous run of slots: update in place through views.
            Tensor inside = region.narrow(0, first, hits);
            Tensor removed = inside.logical_and(occluder);
            inside.logical_and_(keepMask);
            rows.narrow(0, first, hits).sub_(removed.sum(2, type: ScalarType.Int32));
            cols.narrow(0, first, hits).sub_(removed.sum(1, type: ScalarType.Int32));
        }
        else
        {
            long[] slots = new long[hits];
            for (int i = first, k = 0; i <= last; i++)
            {
                if (_hull[b][i].Intersects(r))
                {
                    slots[k++] = i;
                }
            }

            Tensor index = tensor(slots, device: _masks.device);
            Tensor inside = region.index_select(0, index);
            Tensor removed = inside.logical_and(occluder);
            region.index_copy_(0, index, inside.logical_and(keepMask));
            rows.index_add_(0, index, removed.sum(2, type: ScalarType.Int32), -1);
            cols.index_add_(0, index, removed.sum(1, type: ScalarType.Int32), -1);
        }
    }

    /// <summary>Adds one paste's objects to image b, given by their masks inside the region (<c>bool [k, r.H, r.W]</c>).</summary>
    public void Add(int b, Region r, Tensor masks, IReadOnlyList<long> labels)
    {
        int k = labels.Count, start = _count[b];
        using var scope = NewDisposeScope();
        _masks[b].narrow(0, start, k).narrow(1, r.Y, r.H).narrow(2, r.X, r.W).copy_(masks);
        _rows[b].narrow(0, start, k).narrow(1, r.Y, r.H).copy_(masks.sum(2, type: ScalarType.Int32));
        _cols[b].narrow(0, start, k).narrow(1, r.X, r.W).copy_(masks.sum(1, type: ScalarType.Int32));
        for (int i = 0; i < k; i++)
        {
            _hull[b][start + i] = r;
            _labels[b][start + i] = labels[i];
            _pasted[b][start + i] = true;
            _added[(b * _capacity) + start + i] = true;
        }

        _count[b] = start + k;
    }

    /// <summary>
    /// Ends a paste step for the whole batch: recomputes every box from the counts, applies the occlusion rule to the
    /// objects that existed before the step (comparing with their boxes before it), and enters the step's new objects.
    /// </summary>
    public void EndStep()
    {
        using var scope = NewDisposeScope();
        Tensor after = _projection.Compute(_rows.gt(0), _cols.gt(0));
        Tensor area = _rows.sum(-1, type: ScalarType.Int64);
        Tensor keep = _options.Occlusion switch
        {
            OcclusionRule.Reference => after.sub(_boxes).abs().le(_options.MaxBoxShift).all(-1)
                .logical_or(area.gt(_options.MinRemainingPixels)),
            _ => area.to(ScalarType.Float64).ge(_startArea.to(ScalarType.Float64).mul(_options.MinVisibleFraction)),
        };
        Tensor visible = area.gt(0);
        Tensor added = tensor(_added, device: _masks.device).view(_batch, _capacity);
        _alive.copy_(where(added, visible, _alive.logical_and(keep).logical_and(visible)));
        _startArea.copy_(where(added, area, _startArea));
        _boxes.copy_(after);
        Array.Clear(_added);
    }

    /// <summary>
    /// The live objects of every image, in slot order. Masks are compacted in place and handed out as views of one
    /// buffer; the other tensors are new. All are created in the caller's dispose scope.
    /// </summary>
    public PasteTargets[] ToTargets()
    {
        bool[] alive = _alive.cpu().data<bool>().ToArray();
        Device device = _masks.device;
        var targets = new PasteTargets[_batch];
        Tensor areas = _rows.sum(-1, type: ScalarType.Int64);
        for (int b = 0; b < _batch; b++)
        {
            var kept = new List<long>(_count[b]);
            for (int i = 0; i < _count[b]; i++)
            {
                if (alive[(b * _capacity) + i])
                {
                    kept.Add(i);
                }
            }

            Tensor slots = _masks[b];
            for (int i = 0; i < kept.Count; i++)
            {
                if (kept[i] != i)
                {
                    // Kept slots only move down, so a row is read before it can be overwritten.
                    slots[i].copy_(slots[kept[i]]);
                }
            }

            Tensor index = tensor(kept.ToArray(), device: device);
            targets[b] = new PasteTargets(
                slots.narrow(0, 0, kept.Count),
                _boxes[b].index_select(0, index),
                tensor(kept.Select(i => _labels[b][i]).ToArray(), device: device),
                areas[b].index_select(0, index),
                tensor(kept.Select(i => _pasted[b][i]).ToArray(), device: device));
            index.Dispose();
        }

        areas.Dispose();
        return targets;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _projection.Dispose();
        _masks.Dispose();
        _rows.Dispose();
        _cols.Dispose();
        _boxes.Dispose();
        _alive.Dispose();
        _startArea.Dispose();
    }
}
