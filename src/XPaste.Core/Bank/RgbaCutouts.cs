using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Bank;

/// <summary>Turns an image and a foreground mask into the RGBA cut-out an <see cref="InstanceBank"/> stores.</summary>
public static class RgbaCutouts
{
    /// <summary>
    /// Crops <paramref name="image"/> to the tight box of <c>mask &gt; threshold</c> and adds the binary mask as alpha
    /// (255 inside, 0 outside; colour outside the mask is zeroed). Keeps every part of the mask: disconnected pieces
    /// of an annotated object stay (the reference's largest-component step belongs to extracted masks).
    /// </summary>
    /// <param name="image"><c>uint8</c> <c>[3,H,W]</c> RGB or <c>[4,H,W]</c> RGBA (its alpha is ignored: the mask decides).</param>
    /// <param name="mask"><c>uint8</c> <c>[H,W]</c> mask, 0-255, on the image's device.</param>
    /// <param name="threshold">A pixel is foreground when its mask value is above this. Default 128, as the reference.</param>
    /// <returns><c>uint8</c> <c>[4,h,w]</c> RGBA on the image's device (the caller owns it), or null when the mask is empty.</returns>
    public static Tensor? FromMask(Tensor image, Tensor mask, byte threshold = 128)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(mask);
        if (image.dtype != ScalarType.Byte || image.dim() != 3 || image.shape[0] is not (3 or 4))
        {
            throw new ArgumentException($"expected a uint8 [3,H,W] or [4,H,W] image, got {image.dtype} [{string.Join(",", image.shape)}]", nameof(image));
        }

        if (mask.dim() != 2 || mask.shape[0] != image.shape[1] || mask.shape[1] != image.shape[2])
        {
            throw new ArgumentException($"the mask [{string.Join(",", mask.shape)}] must be [H,W] = [{image.shape[1]},{image.shape[2]}]", nameof(mask));
        }

        using var scope = NewDisposeScope();
        Tensor binary = mask.gt(threshold);
        (Tensor boxes, Tensor nonEmpty) = MaskBoxes.TightBoxes(binary.unsqueeze(0));
        if (!nonEmpty[0].item<bool>())
        {
            return null;
        }

        float[] box = boxes[0].cpu().data<float>().ToArray();
        long x1 = (long)box[0], y1 = (long)box[1], x2 = (long)box[2], y2 = (long)box[3];
        Tensor keep = binary.narrow(0, y1, y2 - y1).narrow(1, x1, x2 - x1).to(ScalarType.Byte);
        Tensor rgb = image.narrow(0, 0, 3).narrow(1, y1, y2 - y1).narrow(2, x1, x2 - x1) * keep;
        Tensor rgba = cat(new[] { rgb, (keep * 255).unsqueeze(0) }, 0).contiguous();
        return rgba.MoveToOuterDisposeScope();
    }
}
