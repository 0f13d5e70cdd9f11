using XPaste.Augment;
using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Benchmarks.Paste;

/// <summary>
/// What the reference does per image, in tensor form (the baseline of the paste benchmarks): per instance a full-size
/// canvas, the composed mask subtracted from every earlier mask, every box recomputed from its full mask, the kept
/// masks concatenated with the new one. Instances only (X-Paste's steps).
/// </summary>
internal static class ReferenceStylePaste
{
    /// <returns>A number derived from the outputs, so nothing is optimised away.</returns>
    public static int Run(AnnotatedImage d, IReadOnlyList<PasteSource> steps, int alphaThreshold)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int h = d.Height, w = d.Width;
        Tensor image = d.Image.clone();
        Tensor masks = d.Masks.clone();
        Tensor boxes = MaskBoxes.TightBoxes(masks).Boxes;
        var labels = new List<long>(d.Labels);
        var pasted = new List<bool>(d.IsPasted);
        foreach (PasteSource p in steps)
        {
            Tensor f = nn.functional.interpolate(p.Pixels.to(ScalarType.Float32).unsqueeze(0), [p.Height, p.Width], mode: InterpolationMode.Bilinear, align_corners: false);
            if (p.Flip)
            {
                f = f.flip(3);
            }

            Tensor instance = f.round().clamp(0, 255)[0].to(ScalarType.Byte);

            // The instance warped onto a full-size canvas (clipped at the border).
            Tensor canvas = zeros([4, h, w], ScalarType.Byte);
            int x0 = Math.Max(p.X, 0), y0 = Math.Max(p.Y, 0), x1 = Math.Min(p.X + p.Width, w), y1 = Math.Min(p.Y + p.Height, h);
            if (x1 <= x0 || y1 <= y0)
            {
                continue;
            }

            canvas.narrow(1, y0, y1 - y0).narrow(2, x0, x1 - x0).copy_(instance.narrow(1, y0 - p.Y, y1 - y0).narrow(2, x0 - p.X, x1 - x0));
            Tensor composed = canvas[3].gt(alphaThreshold);
            image = where(composed, canvas.narrow(0, 0, 3), image);

            // Every earlier mask loses the pasted pixels; every box is recomputed from its whole mask.
            Tensor updated = masks.logical_and(composed.logical_not());
            (Tensor updatedBoxes, _) = MaskBoxes.TightBoxes(updated);
            Tensor area = updated.sum(2).sum(1); // two reductions: the span overload of sum(dims) read garbage dims once under GC pressure
            Tensor keep = updatedBoxes.sub(boxes).abs().le(10).all(1).logical_or(area.gt(300)).logical_and(area.gt(0));
            bool[] keepHost = keep.data<bool>().ToArray();
            Tensor index = tensor(keepHost.Select((k, i) => (k, i)).Where(p => p.k).Select(p => (long)p.i).ToArray());
            masks = cat([updated.index_select(0, index), composed.unsqueeze(0)], 0);
            boxes = cat([updatedBoxes.index_select(0, index), MaskBoxes.TightBoxes(composed.unsqueeze(0)).Boxes], 0);
            labels = [.. labels.Where((_, i) => keepHost[i]), p.Labels[0]];
            pasted = [.. pasted.Where((_, i) => keepHost[i]), true];
        }

        Tensor areas = masks.sum(2).sum(1);
        Tensor labelTensor = tensor(labels.ToArray());
        Tensor flags = tensor(pasted.ToArray());
        return (int)(masks.shape[0] + boxes.shape[0] + areas.shape[0] + labelTensor.shape[0] + flags.shape[0] + image.shape[0]) / 5;
    }
}
