using TorchSharp;
using XPaste.Imaging;
using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>A grid of augmented images with their masks and boxes drawn, for a quick look at a batch.</summary>
public static class PreviewMosaic
{
    /// <summary>Draws up to <paramref name="maxImages"/> samples of a batch into one image.</summary>
    /// <param name="batch">The batch (not disposed).</param>
    /// <param name="columns">Tiles per row. Default 4.</param>
    /// <param name="tileSize">Each tile is scaled so its longer side is this many pixels. Default 320.</param>
    /// <param name="maxImages">Most samples drawn. Default 16.</param>
    /// <returns><c>uint8</c> <c>[3,H,W]</c> on the CPU; the caller owns it. Pasted objects get thicker boxes than original ones.</returns>
    public static Tensor Draw(AugmentedBatch batch, int columns = 4, int tileSize = 320, int maxImages = 16)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tileSize, 8);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxImages, 1);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int count = Math.Min(batch.Count, maxImages);
        var tiles = new List<Tensor>(count);
        for (int i = 0; i < count; i++)
        {
            PasteTargets t = batch.Targets[i];
            Tensor image = batch.Images[i];
            Tensor pasted = t.IsPasted;
            Tensor drawn = InstanceOverlay.Draw(image, t.Masks, t.Boxes, new InstanceOverlayOptions { BoxThickness = 1 });
            if (t.Count > 0)
            {
                // A second, thicker outline marks the pasted objects.
                Tensor index = nonzero(pasted).squeeze(1);
                if (index.shape[0] > 0)
                {
                    drawn = InstanceOverlay.Draw(drawn, t.Masks.index_select(0, index), t.Boxes.index_select(0, index), new InstanceOverlayOptions { MaskOpacity = 0, BoxThickness = 3 });
                }
            }

            tiles.Add(Scale(drawn, tileSize));
        }

        long tileH = tiles.Max(t => t.shape[1]), tileW = tiles.Max(t => t.shape[2]);
        int cols = Math.Min(columns, count), rows = (count + cols - 1) / cols;
        const int Gap = 4;
        Tensor canvas = full([3, (rows * tileH) + ((rows - 1) * Gap), (cols * tileW) + ((cols - 1) * Gap)], 255, ScalarType.Byte, tiles[0].device);
        for (int i = 0; i < count; i++)
        {
            long y = (i / cols) * (tileH + Gap), x = (i % cols) * (tileW + Gap);
            canvas.narrow(1, y, tiles[i].shape[1]).narrow(2, x, tiles[i].shape[2]).copy_(tiles[i]);
        }

        return canvas.cpu().MoveToOuterDisposeScope();
    }

    private static Tensor Scale(Tensor image, int tileSize)
    {
        long h = image.shape[1], w = image.shape[2];
        double s = (double)tileSize / Math.Max(h, w);
        if (s >= 1)
        {
            return image;
        }

        long nh = Math.Max(1, (long)Math.Round(h * s)), nw = Math.Max(1, (long)Math.Round(w * s));
        Tensor f = nn.functional.interpolate(image.to(ScalarType.Float32).unsqueeze(0), [nh, nw], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        return f[0].round().clamp(0, 255).to(ScalarType.Byte);
    }
}
