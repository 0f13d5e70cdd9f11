using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// Turns an image and its soft mask into the reference's instance cut-out: foreground = mask &gt; 128; the mask's
/// area fraction must lie in [0.05, 0.95]; the largest connected component is kept with its holes filled; the
/// result is cropped to its tight box as RGBA. Components are found on row runs of the mask's bytes (see the
/// options for every number).
/// </summary>
public sealed class InstancePostProcessor
{
    /// <summary>Creates the post-processor.</summary>
    /// <param name="options">Thresholds and rules; <see cref="InstancePostProcessorOptions.Default"/> when null.</param>
    public InstancePostProcessor(InstancePostProcessorOptions? options = null)
    {
        Options = options ?? InstancePostProcessorOptions.Default;
        Options.Validate();
    }

    /// <summary>The options in use.</summary>
    public InstancePostProcessorOptions Options { get; }

    /// <summary>Cuts the object out of <paramref name="image"/>.</summary>
    /// <param name="image"><c>uint8</c> <c>[3,H,W]</c> (or <c>[4,H,W]</c>, whose alpha is replaced), any device.</param>
    /// <param name="mask"><c>uint8</c> <c>[H,W]</c> 0-255 soft mask, any device.</param>
    /// <returns>The cut-out or the reason for rejecting the mask; the caller disposes it.</returns>
    public CutoutOutcome Process(Tensor image, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(mask);
        if (image.dtype != ScalarType.Byte || image.dim() != 3 || image.shape[0] is not (3 or 4))
        {
            throw new ArgumentException($"expected a uint8 [3,H,W] image, got {image.dtype} [{string.Join(",", image.shape)}]", nameof(image));
        }

        if (mask.dtype != ScalarType.Byte || mask.dim() != 2 || mask.shape[0] != image.shape[1] || mask.shape[1] != image.shape[2])
        {
            throw new ArgumentException(
                $"expected a uint8 [{image.shape[1]},{image.shape[2]}] mask, got {mask.dtype} [{string.Join(",", mask.shape)}]", nameof(mask));
        }

        int h = checked((int)mask.shape[0]), w = checked((int)mask.shape[1]);
        using Tensor cpuMask = mask.cpu().contiguous();
        ComponentRegion region = MaskComponents.LargestComponent(cpuMask.bytes, h, w, Options.AlphaThreshold,
            Options.Connectivity == MaskConnectivity.Eight, Options.KeepLargestComponent, Options.FillHoles);

        int boxWidth = region.X1 - region.X0, boxHeight = region.Y1 - region.Y0;
        long kept = region.ComponentPixels + region.HolePixels;
        // The reference counts every foreground pixel; measuring the kept region (largest component, holes filled)
        // stops specks of a scattered mask from passing as one object.
        double area = (double)(Options.MeasureKeptRegion ? kept : region.ForegroundPixels) / ((long)h * w);
        CutoutRejection rejection =
            region.IsEmpty ? CutoutRejection.Empty
            : area < Options.MinArea ? CutoutRejection.TooSmall
            : area > Options.MaxArea ? CutoutRejection.TooLarge
            : boxWidth < Options.MinSide || boxHeight < Options.MinSide ? CutoutRejection.TooThin
            : Math.Min(boxWidth, boxHeight) < Options.MinCutoutSide ? CutoutRejection.CutoutTooSmall
            : CutoutRejection.None;
        if (rejection != CutoutRejection.None)
        {
            return new CutoutOutcome(null, rejection, area, kept, region.X0, region.Y0, boxWidth, boxHeight);
        }

        using var scope = NewDisposeScope();
        var keep = new byte[boxWidth * boxHeight];
        region.Rasterize(keep, region.X0, region.Y0, boxWidth, boxHeight, Options.Alpha == CutoutAlpha.Opaque ? byte.MaxValue : (byte)1);
        // The alpha is built on the CPU, where the mask's bytes already are, then joins the image on its device.
        Tensor alpha = tensor(keep, new long[] { boxHeight, boxWidth }, ScalarType.Byte);
        if (Options.Alpha == CutoutAlpha.Mask)
        {
            alpha = cpuMask.narrow(0, region.Y0, boxHeight).narrow(1, region.X0, boxWidth).mul(alpha);
        }

        Tensor rgb = image.narrow(0, 0, 3).narrow(1, region.Y0, boxHeight).narrow(2, region.X0, boxWidth);
        if (Options.Alpha == CutoutAlpha.Opaque)
        {
            // Colour outside the kept region is zeroed, as RgbaCutouts.FromMask does for annotated objects.
            rgb = rgb.mul(alpha.to(image.device).gt(0).to(ScalarType.Byte).unsqueeze(0));
        }

        Tensor rgba = cat(new[] { rgb, alpha.to(image.device).unsqueeze(0) }, 0).contiguous();
        return new CutoutOutcome(rgba.MoveToOuterDisposeScope(), CutoutRejection.None, area, kept, region.X0, region.Y0, boxWidth, boxHeight);
    }

    /// <summary>The fraction of a mask above <paramref name="threshold"/>, computed on the mask's device.</summary>
    /// <param name="mask"><c>uint8</c> <c>[H,W]</c> 0-255.</param>
    /// <param name="threshold">Foreground is strictly above it; the reference uses 128.</param>
    /// <returns>The area fraction in [0,1].</returns>
    public static double AreaFraction(Tensor mask, byte threshold = 128)
    {
        ArgumentNullException.ThrowIfNull(mask);
        using var above = mask.gt(threshold);
        using var count = above.sum();
        return (double)count.item<long>() / Math.Max(1, mask.NumberOfElements);
    }

    /// <summary>
    /// The view the reference scores with CLIP: the full frame with the foreground (mask &gt; threshold) kept and
    /// everything else white (<c>image*m + 255*(1-m)</c>).
    /// </summary>
    /// <param name="image"><c>uint8</c> <c>[3,H,W]</c> (an alpha channel is dropped).</param>
    /// <param name="mask"><c>uint8</c> <c>[H,W]</c> 0-255.</param>
    /// <param name="threshold">Foreground is strictly above it; 128 in the reference.</param>
    /// <returns><c>uint8</c> <c>[3,H,W]</c> on the image's device; the caller owns it.</returns>
    public static Tensor OnWhite(Tensor image, Tensor mask, byte threshold = 128)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(mask);
        using var scope = NewDisposeScope();
        Tensor foreground = mask.to(image.device).gt(threshold).unsqueeze(0);
        Tensor rgb = image.narrow(0, 0, 3);
        return where(foreground, rgb, full_like(rgb, 255)).MoveToOuterDisposeScope();
    }
}
