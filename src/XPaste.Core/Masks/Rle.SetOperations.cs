namespace XPaste.Masks;

// Merge and IoU walk two run lists in step, like rleMerge / rleIou, so their results match the COCO API bit for bit.
public sealed partial class Rle
{
    /// <summary>The union of this mask and <paramref name="other"/> (same size).</summary>
    /// <param name="other">The other mask.</param>
    public Rle Union(Rle other) => Merge([this, other], intersect: false);

    /// <summary>The intersection of this mask and <paramref name="other"/> (same size).</summary>
    /// <param name="other">The other mask.</param>
    public Rle Intersect(Rle other) => Merge([this, other], intersect: true);

    /// <summary>
    /// Merges masks of one size as the COCO API's <c>merge</c> (<c>rleMerge</c>): their union, or with
    /// <paramref name="intersect"/> their intersection. One mask is returned as it is.
    /// </summary>
    /// <param name="rles">The masks, at least one, all the same size.</param>
    /// <param name="intersect">Intersection instead of union.</param>
    /// <exception cref="ArgumentException">No masks, or masks of different sizes (the COCO API returns an empty 0x0 RLE then).</exception>
    public static Rle Merge(IReadOnlyList<Rle> rles, bool intersect = false)
    {
        ArgumentNullException.ThrowIfNull(rles);
        if (rles.Count == 0)
        {
            throw new ArgumentException("merge needs at least one RLE", nameof(rles));
        }

        Rle first = rles[0] ?? throw new ArgumentException("RLE 0 is null", nameof(rles));
        uint[] counts = first._counts;
        for (int i = 1; i < rles.Count; i++)
        {
            Rle b = rles[i] ?? throw new ArgumentException($"RLE {i} is null", nameof(rles));
            if (b.Height != first.Height || b.Width != first.Width)
            {
                throw new ArgumentException(
                    $"cannot merge a {b.Height}x{b.Width} RLE (index {i}) with {first.Height}x{first.Width} ones", nameof(rles));
            }

            counts = MergeTwo(counts, b._counts, intersect);
        }

        return new Rle(first.Height, first.Width, counts);
    }

    /// <summary>
    /// IoU of two masks as the COCO API's <c>iou</c> (<c>rleIou</c>): zero unless their boxes overlap; with
    /// <paramref name="groundTruthIsCrowd"/> the intersection is divided by the detection's area; -1 when the sizes differ.
    /// </summary>
    /// <param name="detection">The detection mask (<c>dt</c>).</param>
    /// <param name="groundTruth">The ground-truth mask (<c>gt</c>).</param>
    /// <param name="groundTruthIsCrowd">Whether the ground truth is a crowd region.</param>
    public static double Iou(Rle detection, Rle groundTruth, bool groundTruthIsCrowd = false)
    {
        ArgumentNullException.ThrowIfNull(detection);
        ArgumentNullException.ThrowIfNull(groundTruth);
        return PairIou(detection, groundTruth, detection.BoundingBox, groundTruth.BoundingBox, groundTruthIsCrowd);
    }

    /// <summary>
    /// IoU of every detection with every ground truth, as pycocotools' <c>iou(dt, gt, iscrowd)</c>: result <c>[d, g]</c>;
    /// see <see cref="Iou(Rle, Rle, bool)"/> for the rules.
    /// </summary>
    /// <param name="detections">The detection masks (<c>dt</c>).</param>
    /// <param name="groundTruths">The ground-truth masks (<c>gt</c>).</param>
    /// <param name="groundTruthIsCrowd">Per ground truth, whether it is a crowd region; empty means none is.</param>
    /// <returns>A <c>[detections, groundTruths]</c> matrix.</returns>
    public static double[,] Iou(IReadOnlyList<Rle> detections, IReadOnlyList<Rle> groundTruths, ReadOnlySpan<bool> groundTruthIsCrowd = default)
    {
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(groundTruths);
        CocoBox.CheckCrowdFlags(groundTruthIsCrowd, groundTruths.Count);
        var dtBoxes = new CocoBox[detections.Count];
        for (int d = 0; d < dtBoxes.Length; d++)
        {
            dtBoxes[d] = detections[d].BoundingBox;
        }

        var result = new double[detections.Count, groundTruths.Count];
        for (int g = 0; g < groundTruths.Count; g++)
        {
            bool crowd = !groundTruthIsCrowd.IsEmpty && groundTruthIsCrowd[g];
            CocoBox gtBox = groundTruths[g].BoundingBox;
            for (int d = 0; d < dtBoxes.Length; d++)
            {
                result[d, g] = PairIou(detections[d], groundTruths[g], dtBoxes[d], gtBox, crowd);
            }
        }

        return result;
    }

    private static double PairIou(Rle dt, Rle gt, CocoBox dtBox, CocoBox gtBox, bool crowd)
    {
        // The box IoU decides first: masks whose boxes do not overlap have IoU 0 without walking the runs.
        if (!(CocoBox.Iou(dtBox, gtBox, crowd) > 0))
        {
            return 0;
        }

        if (dt.Height != gt.Height || dt.Width != gt.Width)
        {
            return -1;
        }

        ReadOnlySpan<uint> a = dt._counts, b = gt._counts;
        uint ca = a.Length > 0 ? a[0] : 0, cb = b.Length > 0 ? b[0] : 0;
        bool va = false, vb = false;
        int ia = 1, ib = 1;
        uint intersection = 0, union = 0, remaining = 1;
        while (remaining > 0)
        {
            uint c = Math.Min(ca, cb);
            if (va || vb)
            {
                union += c;
                if (va && vb)
                {
                    intersection += c;
                }
            }

            remaining = 0;
            ca -= c;
            if (ca == 0 && ia < a.Length)
            {
                ca = a[ia++];
                va = !va;
            }

            remaining += ca;
            cb -= c;
            if (cb == 0 && ib < b.Length)
            {
                cb = b[ib++];
                vb = !vb;
            }

            remaining += cb;
        }

        if (intersection == 0)
        {
            union = 1;
        }
        else if (crowd)
        {
            union = (uint)dt.Area;
        }

        return (double)intersection / union;
    }

    private static uint[] MergeTwo(uint[] a, uint[] b, bool intersect)
    {
        var merged = new uint[a.Length + b.Length + 1];
        uint ca = a.Length > 0 ? a[0] : 0, cb = b.Length > 0 ? b[0] : 0;
        bool v = false, va = false, vb = false;
        int ia = 1, ib = 1, m = 0;
        uint cc = 0, remaining = 1;
        while (remaining > 0)
        {
            uint c = Math.Min(ca, cb);
            cc += c;
            remaining = 0;
            ca -= c;
            if (ca == 0 && ia < a.Length)
            {
                ca = a[ia++];
                va = !va;
            }

            remaining += ca;
            cb -= c;
            if (cb == 0 && ib < b.Length)
            {
                cb = b[ib++];
                vb = !vb;
            }

            remaining += cb;
            bool previous = v;
            v = intersect ? va && vb : va || vb;
            if (v != previous || remaining == 0)
            {
                merged[m++] = cc;
                cc = 0;
            }
        }

        return merged.AsSpan(0, m).ToArray();
    }
}
