using System.Text.Json.Serialization;

namespace XPaste.Masks;

/// <summary>
/// A COCO box <c>[x, y, w, h]</c> in pixel-edge coordinates: the box of a mask whose first set column is 3 and last
/// set column is 7 has <c>X = 3</c>, <c>Width = 5</c> (the <see cref="MaskBoxes"/> xyxy box <c>x2 = 8</c>).
/// </summary>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width (<c>x2 - x1</c>).</param>
/// <param name="Height">Height (<c>y2 - y1</c>).</param>
[JsonConverter(typeof(CocoBoxJsonConverter))]
public readonly record struct CocoBox(double X, double Y, double Width, double Height)
{
    /// <summary><c>Width * Height</c>, as the COCO API computes box areas.</summary>
    public double Area => Width * Height;

    /// <summary>Right edge, <c>X + Width</c>.</summary>
    public double Right => X + Width;

    /// <summary>Bottom edge, <c>Y + Height</c>.</summary>
    public double Bottom => Y + Height;

    /// <summary>The box from an xyxy box (<c>[x1, y1, x2, y2]</c>, as <see cref="MaskBoxes.TightBoxes"/> gives).</summary>
    public static CocoBox FromXyxy(double x1, double y1, double x2, double y2) => new(x1, y1, x2 - x1, y2 - y1);

    /// <summary>The four numbers in COCO order <c>[x, y, w, h]</c>.</summary>
    public double[] ToArray() => [X, Y, Width, Height];

    /// <summary>
    /// IoU of two boxes exactly as the COCO API's <c>bbIou</c>: zero when they do not overlap with positive width and
    /// height; with <paramref name="groundTruthIsCrowd"/> the intersection is divided by the detection's area alone.
    /// </summary>
    /// <param name="detection">The detection box (the COCO API's <c>dt</c>).</param>
    /// <param name="groundTruth">The ground-truth box (<c>gt</c>).</param>
    /// <param name="groundTruthIsCrowd">Whether the ground truth is a crowd region.</param>
    public static double Iou(CocoBox detection, CocoBox groundTruth, bool groundTruthIsCrowd = false)
    {
        double w = Math.Min(detection.Right, groundTruth.Right) - Math.Max(detection.X, groundTruth.X);
        if (w <= 0)
        {
            return 0;
        }

        double h = Math.Min(detection.Bottom, groundTruth.Bottom) - Math.Max(detection.Y, groundTruth.Y);
        if (h <= 0)
        {
            return 0;
        }

        double intersection = w * h;
        double union = groundTruthIsCrowd ? detection.Area : detection.Area + groundTruth.Area - intersection;
        return intersection / union;
    }

    /// <summary>
    /// IoU of every detection with every ground truth, as the COCO API's <c>bbIou</c> (and pycocotools' <c>iou</c> on
    /// boxes): result <c>[d, g]</c>.
    /// </summary>
    /// <param name="detections">The detection boxes (<c>dt</c>).</param>
    /// <param name="groundTruths">The ground-truth boxes (<c>gt</c>).</param>
    /// <param name="groundTruthIsCrowd">Per ground truth, whether it is a crowd region; empty means none is.</param>
    /// <returns>A <c>[detections, groundTruths]</c> matrix of IoUs.</returns>
    public static double[,] Iou(IReadOnlyList<CocoBox> detections, IReadOnlyList<CocoBox> groundTruths, ReadOnlySpan<bool> groundTruthIsCrowd = default)
    {
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(groundTruths);
        CheckCrowdFlags(groundTruthIsCrowd, groundTruths.Count);
        var result = new double[detections.Count, groundTruths.Count];
        for (int g = 0; g < groundTruths.Count; g++)
        {
            bool crowd = !groundTruthIsCrowd.IsEmpty && groundTruthIsCrowd[g];
            for (int d = 0; d < detections.Count; d++)
            {
                result[d, g] = Iou(detections[d], groundTruths[g], crowd);
            }
        }

        return result;
    }

    internal static void CheckCrowdFlags(ReadOnlySpan<bool> flags, int groundTruths)
    {
        if (!flags.IsEmpty && flags.Length != groundTruths)
        {
            throw new ArgumentException($"got {flags.Length} crowd flags for {groundTruths} ground truths", nameof(flags));
        }
    }
}
