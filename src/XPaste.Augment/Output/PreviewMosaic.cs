using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// A picture of a batch for a person to check at a glance: each augmented image beside its original (the same
/// destination and jitter without the pastes), objects drawn as thin outlines of their masks in a colour per category
/// (the image stays visible), pasted objects with a thicker outline, their box and a label with the category name.
/// </summary>
public static class PreviewMosaic
{
    private const int Gap = 4;
    private const int PairGap = 12;

    // Distinct, saturated colours (Tableau 10), one per category id modulo 10.
    private static readonly byte[,] Palette =
    {
        { 31, 119, 180 }, { 255, 127, 14 }, { 44, 160, 44 }, { 214, 39, 40 }, { 148, 103, 189 },
        { 140, 86, 75 }, { 227, 119, 194 }, { 23, 190, 207 }, { 188, 189, 34 }, { 255, 255, 255 },
    };

    /// <summary>Draws up to <paramref name="maxImages"/> samples of a batch into one image, without originals.</summary>
    /// <param name="batch">The batch (not disposed).</param>
    /// <param name="columns">Tiles per row. Default 4.</param>
    /// <param name="tileSize">Each tile is scaled so its longer side is this many pixels. Default 320.</param>
    /// <param name="maxImages">Most samples drawn. Default 16.</param>
    /// <returns><c>uint8</c> <c>[3,H,W]</c> on the CPU; the caller owns it.</returns>
    public static Tensor Draw(AugmentedBatch batch, int columns = 4, int tileSize = 320, int maxImages = 16) =>
        Draw(batch, null, new PreviewMosaicOptions { Columns = columns, TileSize = tileSize, MaxImages = maxImages });

    /// <summary>Draws up to <see cref="PreviewMosaicOptions.MaxImages"/> samples, each beside its original when given.</summary>
    /// <param name="batch">The augmented batch (not disposed).</param>
    /// <param name="originals">The same samples without pastes (<c>augmenter.Replay(plans with no steps)</c>), or null.</param>
    /// <param name="options">Layout and labels; defaults when null.</param>
    /// <returns><c>uint8</c> <c>[3,H,W]</c> on the CPU; the caller owns it.</returns>
    /// <exception cref="ArgumentException"><paramref name="originals"/> has another number of samples.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public static Tensor Draw(AugmentedBatch batch, AugmentedBatch? originals, PreviewMosaicOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        options ??= new PreviewMosaicOptions();
        options.Validate();
        if (originals is not null && originals.Count != batch.Count)
        {
            throw new ArgumentException($"{originals.Count} originals for {batch.Count} samples", nameof(originals));
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int count = Math.Min(batch.Count, options.MaxImages);
        var cells = new List<Tensor>(count);
        for (int i = 0; i < count; i++)
        {
            Tensor augmented = Tile(batch.Images[i], batch.Targets[i], options, "");
            if (originals is null)
            {
                cells.Add(augmented);
                continue;
            }

            Tensor original = Tile(originals.Images[i], originals.Targets[i], options, "original");
            long h = Math.Max(original.shape[1], augmented.shape[1]);
            Tensor pair = full([3, h, original.shape[2] + Gap + augmented.shape[2]], 255, ScalarType.Byte, augmented.device);
            pair.narrow(1, 0, original.shape[1]).narrow(2, 0, original.shape[2]).copy_(original);
            pair.narrow(1, 0, augmented.shape[1]).narrow(2, original.shape[2] + Gap, augmented.shape[2]).copy_(augmented);
            cells.Add(pair);
        }

        int perRow = originals is null ? options.Columns : Math.Max(1, options.Columns / 2);
        int gap = originals is null ? Gap : PairGap;
        long cellH = cells.Max(t => t.shape[1]), cellW = cells.Max(t => t.shape[2]);
        int cols = Math.Min(perRow, count), rows = (count + cols - 1) / cols;
        Tensor canvas = full([3, (rows * cellH) + ((rows - 1) * gap), (cols * cellW) + ((cols - 1) * gap)], 255, ScalarType.Byte, cells[0].device);
        for (int i = 0; i < count; i++)
        {
            long y = (i / cols) * (cellH + gap), x = (i % cols) * (cellW + gap);
            canvas.narrow(1, y, cells[i].shape[1]).narrow(2, x, cells[i].shape[2]).copy_(cells[i]);
        }

        return canvas.cpu().MoveToOuterDisposeScope();
    }

    /// <summary>One image scaled to the tile, with outlines, the pasted objects' boxes and labels, and a caption.</summary>
    private static Tensor Tile(Tensor image, PasteTargets targets, PreviewMosaicOptions options, string caption)
    {
        long h = image.shape[1], w = image.shape[2];
        double s = Math.Min(1.0, (double)options.TileSize / Math.Max(h, w));
        long nh = Math.Max(1, (long)Math.Round(h * s)), nw = Math.Max(1, (long)Math.Round(w * s));
        Tensor tile = Scale(image.narrow(0, 0, 3), nh, nw);
        int n = targets.Count;
        int textScale = options.TileSize >= 240 ? 2 : 1;
        Device device = tile.device;
        int pastedCount = targets.Count == 0 ? 0 : (int)targets.IsPasted.sum().item<long>();
        string text = caption.Length > 0 ? caption
            : string.Create(CultureInfo.InvariantCulture, $"{pastedCount} pasted, {n - pastedCount} original");
        // The caption's tab at the top left: object labels keep out of it.
        (long Bottom, long Right) header = LabelSize(text, textScale);
        if (n > 0)
        {
            Tensor masks = targets.Masks.to(device);
            Tensor set = (masks.dtype == ScalarType.Bool ? masks : masks.ne(0)).unsqueeze(1).to(ScalarType.Float32);
            if (nh != h || nw != w)
            {
                set = nn.functional.interpolate(set, [nh, nw], mode: InterpolationMode.Area);
            }

            Tensor inside = set.gt(0.5);
            // The outline: pixels of the mask next to a pixel outside it; pasted objects' outlines are grown by a pixel.
            Tensor outside = inside.logical_not().to(ScalarType.Float32);
            Tensor edge = inside.logical_and(nn.functional.max_pool2d(outside, 3, 1, 1).gt(0));
            Tensor pasted = targets.IsPasted.to(device).to(ScalarType.Bool).view(n, 1, 1, 1);
            Tensor thick = nn.functional.max_pool2d(edge.to(ScalarType.Float32), 3, 1, 1).gt(0);
            edge = where(pasted, thick, edge).squeeze(1);

            // Later instances are drawn over earlier ones: the owner of a pixel is the highest index whose outline is there.
            Tensor order = arange(1, n + 1, ScalarType.Int32, device).view(n, 1, 1);
            Tensor owner = (edge.to(ScalarType.Int32) * order).amax([0]);
            long[] labels = targets.Labels.cpu().to(ScalarType.Int64).data<long>().ToArray();
            Tensor colours = cat([zeros(1, 3, ScalarType.Byte), stack(labels.Select(ColourOf).ToArray())], 0).to(device);
            Tensor painted = colours.index_select(0, owner.flatten()).t().reshape(3, nh, nw);
            tile = where(owner.gt(0).unsqueeze(0), painted, tile);

            bool[] isPasted = targets.IsPasted.cpu().to(ScalarType.Bool).data<bool>().ToArray();
            float[] boxes = targets.Boxes.cpu().to(ScalarType.Float32).data<float>().ToArray();
            for (int k = 0; k < n; k++)
            {
                if (!isPasted[k])
                {
                    continue;
                }

                Tensor colour = ColourOf(labels[k]).to(device);
                long x1 = Clamp(boxes[(4 * k) + 0] * s, nw), y1 = Clamp(boxes[(4 * k) + 1] * s, nh);
                long x2 = Clamp((boxes[(4 * k) + 2] * s) - 1, nw), y2 = Clamp((boxes[(4 * k) + 3] * s) - 1, nh);
                DrawBox(tile, x1, y1, x2, y2, colour);
                string name = options.CategoryNames is not null && options.CategoryNames.TryGetValue((int)labels[k], out string? known)
                    ? known : labels[k].ToString(CultureInfo.InvariantCulture);
                DrawLabel(tile, name, x1, y1, colour, textScale, keepOut: header);
            }
        }

        DrawLabel(tile, text, 0, 0, tensor(new byte[] { 0, 0, 0 }).to(device), textScale, below: true);
        return tile;
    }

    private static long Clamp(double value, long size) => Math.Clamp((long)Math.Round(value), 0, size - 1);

    private static Tensor ColourOf(long category)
    {
        int row = (int)(((category % 10) + 10) % 10);
        return tensor(new[] { Palette[row, 0], Palette[row, 1], Palette[row, 2] });
    }

    private static void DrawBox(Tensor tile, long x1, long y1, long x2, long y2, Tensor colour)
    {
        Tensor c = colour.view(3, 1, 1);
        long bw = x2 - x1 + 1, bh = y2 - y1 + 1;
        if (bw < 1 || bh < 1)
        {
            return;
        }

        tile.narrow(1, y1, 1).narrow(2, x1, bw).copy_(c.expand(3, 1, bw));
        tile.narrow(1, y2, 1).narrow(2, x1, bw).copy_(c.expand(3, 1, bw));
        tile.narrow(1, y1, bh).narrow(2, x1, 1).copy_(c.expand(3, bh, 1));
        tile.narrow(1, y1, bh).narrow(2, x2, 1).copy_(c.expand(3, bh, 1));
    }

    /// <summary>The height and width of a label's tab.</summary>
    private static (long Height, long Width) LabelSize(string text, int scale)
    {
        using Tensor ink = PreviewFont.Render(text, scale);
        return (ink.shape[0] + (2 * scale), ink.shape[1] + (2 * scale));
    }

    /// <summary>
    /// Where a label's tab of <paramref name="th"/> x <paramref name="tw"/> goes in an <paramref name="h"/> x
    /// <paramref name="w"/> tile for a box corner (x, y): above it where there is room, else just inside; moved below a
    /// <paramref name="keepOut"/> rectangle at the top left (the tile's caption) that it would cover.
    /// </summary>
    internal static (long Top, long Left) LabelPlace(long x, long y, long th, long tw, long h, long w, bool below, (long Bottom, long Right) keepOut)
    {
        long top = below || y - th < 0 ? Math.Min(y, h - th) : y - th;
        long left = Math.Min(x, w - tw);
        if (left < keepOut.Right && top < keepOut.Bottom && keepOut.Bottom + th <= h)
        {
            top = keepOut.Bottom;
        }

        return (top, left);
    }

    /// <summary>White text on a tab of <paramref name="colour"/>, above (x, y) where there is room, else just inside.</summary>
    private static void DrawLabel(Tensor tile, string text, long x, long y, Tensor colour, int scale, bool below = false, (long Bottom, long Right) keepOut = default)
    {
        Tensor ink = PreviewFont.Render(text, scale).to(tile.device);
        long th = ink.shape[0] + (2 * scale), tw = ink.shape[1] + (2 * scale);
        long h = tile.shape[1], w = tile.shape[2];
        if (th > h || tw > w)
        {
            return;
        }

        (long top, long left) = LabelPlace(x, y, th, tw, h, w, below, keepOut);
        Tensor region = tile.narrow(1, top, th).narrow(2, left, tw);
        region.copy_(colour.view(3, 1, 1).expand(3, th, tw));
        Tensor white = full([3, 1, 1], 255, ScalarType.Byte, tile.device);
        Tensor inner = region.narrow(1, scale, ink.shape[0]).narrow(2, scale, ink.shape[1]);
        inner.copy_(where(ink.unsqueeze(0), white.expand_as(inner), inner));
    }

    private static Tensor Scale(Tensor image, long nh, long nw)
    {
        if (nh == image.shape[1] && nw == image.shape[2])
        {
            return image.clone();
        }

        Tensor f = nn.functional.interpolate(image.to(ScalarType.Float32).unsqueeze(0), [nh, nw], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        return f[0].round().clamp(0, 255).to(ScalarType.Byte);
    }
}
