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
/// full-size masks (per image <c>[n,H,W]</c>, one slot per object that can appear: separate buffers rather than one
/// <c>[B,...]</c> block, so the allocator can reuse freed memory instead of mapping fresh pages), per-row and per-column pixel counts
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
    private readonly Tensor[] _masks;   // per image bool [total_b,H,W]
    private readonly Tensor _rows;      // int32 [B,cap,H]
    private readonly Tensor _cols;      // int32 [B,cap,W]
    private readonly Tensor _boxes;     // float32 [B,cap,4]
    private readonly Tensor _alive;     // bool [B,cap]
    private readonly Tensor _startArea; // int64 [B,cap]; -1 marks objects added in the current step
    private readonly int[] _count;
    private readonly Region[][] _hull;
    private readonly long[][] _labels;
    private readonly bool[][] _pasted;
    private readonly float[] _startBoxes; // [B,cap,4] on the host: the destinations' boxes before any paste

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
        _masks = new Tensor[_batch];
        _rows = zeros([_batch, _capacity, h], ScalarType.Int32, device).DetachFromDisposeScope();
        _cols = zeros([_batch, _capacity, w], ScalarType.Int32, device).DetachFromDisposeScope();
        _count = new int[_batch];
        _hull = new Region[_batch][];
        _labels = new long[_batch][];
        _pasted = new bool[_batch][];

        using (var scope = NewDisposeScope())
        {
            for (int b = 0; b < _batch; b++)
            {
                AnnotatedImage d = destinations[b];
                int n = d.Labels.Count;
                _hull[b] = new Region[_capacity];
                _labels[b] = new long[_capacity];
                _pasted[b] = new bool[_capacity];
                Tensor slots = _masks[b] = empty([Math.Max(1, totals[b]), h, w], ScalarType.Bool, device).DetachFromDisposeScope();
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
        float[] boxes = _startBoxes = _boxes.cpu().data<float>().ToArray();
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
        int first = -1, last = -1;
        for (int i = 0; i < n; i++)
        {
            if (_hull[b][i].Intersects(r))
            {
                first = first < 0 ? i : first;
                last = i;
            }
        }

        if (first < 0)
        {
            return;
        }

        // The run of slots from the first to the last object that can reach the region, through views: objects in
        // between that cannot reach it have no pixel there, so the update leaves them as they are. No index tensor
        // (which would mean a host-to-device copy) is needed.
        using var scope = NewDisposeScope();
        int count = last - first + 1;
        Tensor inside = _masks[b].narrow(0, first, count).narrow(1, r.Y, r.H).narrow(2, r.X, r.W);
        Tensor removed = inside.logical_and(occluder);
        inside.logical_and_(occluder.logical_not());
        _rows[b].narrow(0, first, count).narrow(1, r.Y, r.H).sub_(removed.sum(2, type: ScalarType.Int32));
        _cols[b].narrow(0, first, count).narrow(1, r.X, r.W).sub_(removed.sum(1, type: ScalarType.Int32));
    }

    /// <summary>Adds one paste's objects to image b, given by their masks inside the region (<c>bool [k, r.H, r.W]</c>).</summary>
    public void Add(int b, Region r, Tensor masks, IReadOnlyList<long> labels)
    {
        int k = labels.Count, start = _count[b];
        using var scope = NewDisposeScope();
        _masks[b].narrow(0, start, k).narrow(1, r.Y, r.H).narrow(2, r.X, r.W).copy_(masks);
        _rows[b].narrow(0, start, k).narrow(1, r.Y, r.H).copy_(masks.sum(2, type: ScalarType.Int32));
        _cols[b].narrow(0, start, k).narrow(1, r.X, r.W).copy_(masks.sum(1, type: ScalarType.Int32));
        // A negative starting area marks the step's new objects for EndStep (a device-side fill, no transfer).
        _startArea[b].narrow(0, start, k).fill_(-1);
        for (int i = 0; i < k; i++)
        {
            _hull[b][start + i] = r;
            _labels[b][start + i] = labels[i];
            _pasted[b][start + i] = true;
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
        Tensor added = _startArea.lt(0);
        Tensor survivors = _alive.logical_and(keep);
        _alive.copy_(where(added, visible, _options.DropEmptyObjects ? survivors.logical_and(visible) : survivors));
        _startArea.copy_(where(added, area, _startArea));
        _boxes.copy_(after);
    }

    /// <summary>
    /// The live objects of every image, in slot order. Masks are compacted in place and handed out as views of one
    /// buffer; the other tensors are new. All are created in the caller's dispose scope.
    /// </summary>
    public PasteTargets[] ToTargets()
    {
        bool[] alive = _alive.cpu().data<bool>().ToArray();
        Device device = _boxes.device;
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
                tensor(kept.Select(i => _pasted[b][i]).ToArray(), device: device))
            {
                Origins = [.. kept.Select(k => (int)k)],
                EntryBoxes = [.. kept.SelectMany(k => new ArraySegment<float>(_startBoxes, (int)(((b * _capacity) + k) * 4), 4))],
            };
            index.Dispose();
        }

        areas.Dispose();
        return targets;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _projection.Dispose();
        foreach (Tensor m in _masks)
        {
            m.Dispose();
        }

        _rows.Dispose();
        _cols.Dispose();
        _boxes.Dispose();
        _alive.Dispose();
        _startArea.Dispose();
    }
}
