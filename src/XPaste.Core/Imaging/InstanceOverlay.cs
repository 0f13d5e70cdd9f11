using static TorchSharp.torch;

namespace XPaste.Imaging;

/// <summary>
/// Draws instance masks (translucent colours) and boxes over an image, for previews. Everything is tensor
/// operations over all instances at once, on the image's device; where instances overlap the later one shows.
/// </summary>
public static class InstanceOverlay
{
    /// <summary>Draws the instances over the image.</summary>
    /// <param name="image"><c>uint8 [3,H,W]</c> (or <c>[4,H,W]</c>, whose alpha is dropped).</param>
    /// <param name="masks"><c>[N,H,W]</c> masks (bool, or non-zero = set).</param>
    /// <param name="boxes">Optional <c>[N,4]</c> xyxy boxes in pixels (as <see cref="Masks.MaskBoxes.TightBoxes"/> gives).</param>
    /// <param name="options">Drawing options; <see cref="InstanceOverlayOptions.Default"/> when null.</param>
    /// <returns>A new <c>uint8 [3,H,W]</c> image on the image's device. The caller owns it.</returns>
    public static Tensor Draw(Tensor image, Tensor masks, Tensor? boxes = null, InstanceOverlayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(masks);
        options ??= InstanceOverlayOptions.Default;
        if (image.dim() != 3 || image.shape[0] is not (3 or 4))
        {
            throw new ArgumentException($"expected a [3,H,W] or [4,H,W] image, got [{string.Join(",", image.shape)}]", nameof(image));
        }

        long h = image.shape[1], w = image.shape[2];
        if (masks.dim() != 3 || masks.shape[1] != h || masks.shape[2] != w)
        {
            throw new ArgumentException($"expected [N,{h},{w}] masks, got [{string.Join(",", masks.shape)}]", nameof(masks));
        }

        long n = masks.shape[0];
        if (boxes is not null && (boxes.dim() != 2 || boxes.shape[0] != n || boxes.shape[1] != 4))
        {
            throw new ArgumentException($"expected [{n},4] boxes, got [{string.Join(",", boxes.shape)}]", nameof(boxes));
        }

        using var scope = NewDisposeScope();
        Device device = image.device;
        Tensor rgb = image.narrow(0, 0, 3).to(ScalarType.Float32);
        if (n == 0)
        {
            return rgb.to(ScalarType.Byte).MoveToOuterDisposeScope();
        }

        // Row 0 is "no instance"; row i is instance i's colour.
        Tensor palette = cat([zeros(1, 3, device: device), Palette(n).to(device)], 0);
        // The owner of a pixel is the last instance covering it: max over N of (set ? index : 0), in a small dtype.
        ScalarType indexType = n < short.MaxValue ? ScalarType.Int16 : ScalarType.Int32;
        Tensor order = arange(1, n + 1, indexType, device).view(n, 1, 1);

        Tensor set = (masks.dtype == ScalarType.Bool ? masks : masks.ne(0)).to(device);
        Tensor owner = (set.to(indexType) * order).amax([0]);
        Tensor colour = Colours(palette, owner, h, w);
        var opacity = (float)Math.Clamp(options.MaskOpacity, 0, 1);
        Tensor blended = (rgb * (1 - opacity)) + (colour * opacity);
        Tensor result = where(owner.gt(0).unsqueeze(0), blended, rgb);

        if (boxes is not null && options.BoxThickness > 0)
        {
            Tensor b = boxes.to(device).to(ScalarType.Float32).round();
            Tensor x1 = b[.., 0].view(n, 1, 1), y1 = b[.., 1].view(n, 1, 1), x2 = b[.., 2].view(n, 1, 1), y2 = b[.., 3].view(n, 1, 1);
            Tensor ys = arange(h, ScalarType.Float32, device).view(1, h, 1);
            Tensor xs = arange(w, ScalarType.Float32, device).view(1, 1, w);
            float t = options.BoxThickness;
            Tensor outer = xs.ge(x1).logical_and(xs.lt(x2)).logical_and(ys.ge(y1)).logical_and(ys.lt(y2));
            Tensor inner = xs.ge(x1 + t).logical_and(xs.lt(x2 - t)).logical_and(ys.ge(y1 + t)).logical_and(ys.lt(y2 - t));
            Tensor edge = outer.logical_and(inner.logical_not());
            Tensor edgeOwner = (edge.to(indexType) * order).amax([0]);
            result = where(edgeOwner.gt(0).unsqueeze(0), Colours(palette, edgeOwner, h, w), result);
        }

        return result.round().clamp(0, 255).to(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>Distinct, saturated colours: hues spaced by the golden angle.</summary>
    private static Tensor Palette(long n)
    {
        var values = new float[n * 3];
        for (long i = 0; i < n; i++)
        {
            double hue = (i * 0.618033988749895) % 1.0;
            (double r, double g, double b) = HsvToRgb(hue, 0.85, 0.95);
            values[3 * i] = (float)(r * 255);
            values[(3 * i) + 1] = (float)(g * 255);
            values[(3 * i) + 2] = (float)(b * 255);
        }

        return tensor(values, [n, 3]);
    }

    private static Tensor Colours(Tensor palette, Tensor owner, long h, long w) =>
        palette.index_select(0, owner.flatten().to(ScalarType.Int64)).view(h, w, 3).permute(2, 0, 1);

    private static (double R, double G, double B) HsvToRgb(double h, double s, double v)
    {
        double sector = h * 6;
        int i = (int)Math.Floor(sector) % 6;
        double f = sector - Math.Floor(sector);
        double p = v * (1 - s), q = v * (1 - (s * f)), t = v * (1 - (s * (1 - f)));
        return i switch
        {
            0 => (v, t, p),
            1 => (q, v, p),
            2 => (p, v, t),
            3 => (p, q, v),
            4 => (t, p, v),
            _ => (v, p, q),
        };
    }
}
