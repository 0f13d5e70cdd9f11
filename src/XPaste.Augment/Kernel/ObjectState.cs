using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>A clipped rectangle of the destination.</summary>
internal readonly record struct Region(int X, int Y, int W, int H);

/// <summary>
/// The objects of one destination while pastes are applied: full-size masks (preallocated for every object that can
/// appear), per-row and per-column pixel counts (so boxes and areas never need a full rescan), current boxes and a
/// live flag. Everything stays on the device; the host keeps only labels and flags.
/// </summary>
internal sealed class ObjectState
{
    private readonly Tensor _masks;      // bool [cap,H,W]
    private readonly Tensor _rowCounts;  // int32 [cap,H]
    private readonly Tensor _colCounts;  // int32 [cap,W]
    private readonly Tensor _boxes;      // float32 [cap,4]
    private readonly Tensor _alive;      // bool [cap]
    private readonly Tensor _startArea;  // int64 [cap]: area when the object entered
    private readonly long[] _labels;
    private readonly bool[] _pasted;
    private readonly PasteKernelOptions _options;
    private int _count;

    public ObjectState(int capacity, int height, int width, Device device, PasteKernelOptions options)
    {
        _options = options;
        _masks = zeros([capacity, height, width], ScalarType.Bool, device);
        _rowCounts = zeros([capacity, height], ScalarType.Int32, device);
        _colCounts = zeros([capacity, width], ScalarType.Int32, device);
        _boxes = zeros([capacity, 4], ScalarType.Float32, device);
        _alive = zeros([capacity], ScalarType.Bool, device);
        _startArea = zeros([capacity], ScalarType.Int64, device);
        _labels = new long[capacity];
        _pasted = new bool[capacity];
    }

    /// <summary>Adds the destination's own objects (full-size masks).</summary>
    public void AddExisting(Tensor masks, IReadOnlyList<long> labels, IReadOnlyList<bool> pasted)
    {
        int n = labels.Count;
        if (n == 0)
        {
            return;
        }

        using var scope = NewDisposeScope();
        Tensor m = masks.to(_masks.device);
        _masks.narrow(0, 0, n).copy_(m);
        Append(n, m.sum(2, type: ScalarType.Int32), m.sum(1, type: ScalarType.Int32), labels, pasted, fullWidth: true, region: default);
    }

    /// <summary>Removes <paramref name="occluder"/> from every earlier object inside the region, then applies the occlusion rule.</summary>
    public void Occlude(Region r, Tensor occluder)
    {
        if (_count == 0)
        {
            return;
        }

        using var scope = NewDisposeScope();
        Tensor inside = _masks.narrow(0, 0, _count).narrow(1, r.Y, r.H).narrow(2, r.X, r.W);
        Tensor removed = inside.logical_and(occluder);
        inside.logical_and_(occluder.logical_not());
        _rowCounts.narrow(0, 0, _count).narrow(1, r.Y, r.H).sub_(removed.sum(2, type: ScalarType.Int32));
        _colCounts.narrow(0, 0, _count).narrow(1, r.X, r.W).sub_(removed.sum(1, type: ScalarType.Int32));

        Tensor rows = _rowCounts.narrow(0, 0, _count);
        Tensor before = _boxes.narrow(0, 0, _count);
        Tensor after = ProjectionBoxes.Compute(rows.gt(0), _colCounts.narrow(0, 0, _count).gt(0));
        Tensor area = rows.sum(1, type: ScalarType.Int64);
        Tensor keep = _options.Occlusion switch
        {
            OcclusionRule.Reference => after.sub(before).abs().le(_options.MaxBoxShift).all(1)
                .logical_or(area.gt(_options.MinRemainingPixels)),
            _ => area.to(ScalarType.Float64).ge(_startArea.narrow(0, 0, _count).to(ScalarType.Float64).mul(_options.MinVisibleFraction)),
        };
        keep = keep.logical_and(area.gt(0));
        _alive.narrow(0, 0, _count).logical_and_(keep);
        before.copy_(after);
    }

    /// <summary>Adds the objects of one paste, given by their masks inside the region.</summary>
    public void AddPasted(Region r, Tensor masks, IReadOnlyList<long> labels)
    {
        int k = labels.Count;
        using var scope = NewDisposeScope();
        _masks.narrow(0, _count, k).narrow(1, r.Y, r.H).narrow(2, r.X, r.W).copy_(masks);
        Append(k, masks.sum(2, type: ScalarType.Int32), masks.sum(1, type: ScalarType.Int32), labels, null, fullWidth: false, region: r);
    }

    private void Append(int k, Tensor rowCounts, Tensor colCounts, IReadOnlyList<long> labels, IReadOnlyList<bool>? pasted, bool fullWidth, Region region)
    {
        Tensor rows = _rowCounts.narrow(0, _count, k);
        Tensor cols = _colCounts.narrow(0, _count, k);
        if (fullWidth)
        {
            rows.copy_(rowCounts);
            cols.copy_(colCounts);
        }
        else
        {
            rows.narrow(1, region.Y, region.H).copy_(rowCounts);
            cols.narrow(1, region.X, region.W).copy_(colCounts);
        }

        Tensor area = rows.sum(1, type: ScalarType.Int64);
        _boxes.narrow(0, _count, k).copy_(ProjectionBoxes.Compute(rows.gt(0), cols.gt(0)));
        _alive.narrow(0, _count, k).copy_(area.gt(0));
        _startArea.narrow(0, _count, k).copy_(area);
        for (int i = 0; i < k; i++)
        {
            _labels[_count + i] = labels[i];
            _pasted[_count + i] = pasted?[i] ?? true;
        }

        _count += k;
    }

    /// <summary>The live objects, in order, as tensors in the caller's dispose scope (the state is spent).</summary>
    public PasteTargets ToTargets()
    {
        Device device = _masks.device;
        Tensor keep;
        using (var scope = NewDisposeScope())
        {
            keep = nonzero(_alive.narrow(0, 0, _count)).squeeze(1).MoveToOuterDisposeScope();
        }

        // The common case of every object kept hands over the mask buffer instead of copying it.
        Tensor masks = keep.shape[0] == _masks.shape[0] ? _masks : _masks.index_select(0, keep);
        Tensor boxes = _boxes.index_select(0, keep);
        Tensor areas = _rowCounts.index_select(0, keep).sum(1, type: ScalarType.Int64);
        Tensor labels = tensor(_labels, device: device).index_select(0, keep);
        Tensor isPasted = tensor(_pasted, device: device).index_select(0, keep);
        keep.Dispose();
        return new PasteTargets(masks, boxes, labels, areas, isPasted);
    }
}
