using static TorchSharp.torch;

namespace XPaste.Masks;

/// <summary>
/// Converts between mask tensors and <see cref="Rle"/>s in bulk, masks in parallel, with no per-pixel transpose:
/// encoding reads each row-major mask's bytes once (run boundaries found by comparing each row with the one above,
/// then ordered by column), decoding writes the rows straight into the tensor's memory (each row a copy of the one
/// above with the pixels where a run starts or ends flipped). The bytes cross to the CPU once each way.
/// </summary>
public static class MaskCodec
{
    /// <summary>Encodes a batch of masks.</summary>
    /// <param name="masks"><c>[N,H,W]</c> masks on any device: bool, or any dtype where non-zero means set.</param>
    /// <returns>One RLE per mask, in order.</returns>
    public static Rle[] Encode(Tensor masks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.dim() != 3)
        {
            throw new ArgumentException($"expected [N,H,W] masks, got [{string.Join(",", masks.shape)}]", nameof(masks));
        }

        int n = checked((int)masks.shape[0]);
        int h = checked((int)masks.shape[1]);
        int w = checked((int)masks.shape[2]);
        Rle.CheckSize(h, w);
        var result = new Rle[n];
        if (n == 0)
        {
            return result;
        }

        using var scope = NewDisposeScope();
        // One-byte dtypes are read as they are (non-zero = set); wider ones are compared to zero first.
        Tensor set = masks.dtype is ScalarType.Bool or ScalarType.Byte or ScalarType.Int8 ? masks : masks.ne(0);

        Tensor rowMajor = set.contiguous().cpu();
        int pixels = h * w;
        unsafe
        {
            // Tensor memory is native and never moves: the address stays valid outside the fixed block.
            nint address;
            fixed (byte* pinned = rowMajor.bytes)
            {
                address = (nint)pinned;
            }

            Parallel.For(0, n, i =>
            {
                byte* data = (byte*)address;
                var mask = new ReadOnlySpan<byte>(data + ((long)i * pixels), pixels);
                result[i] = Rle.FromTrustedCounts(h, w, RowMajorRunLength.Encode(mask, h, w));
            });
        }

        return result;
    }

    /// <summary>Encodes one mask.</summary>
    /// <param name="mask"><c>[H,W]</c> mask on any device: bool, or any dtype where non-zero means set.</param>
    public static Rle EncodeOne(Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.dim() != 2)
        {
            throw new ArgumentException($"expected an [H,W] mask, got [{string.Join(",", mask.shape)}]", nameof(mask));
        }

        using var batch = mask.unsqueeze(0);
        return Encode(batch)[0];
    }

    /// <summary>Decodes RLEs of one size into a bool <c>[N,H,W]</c> tensor.</summary>
    /// <param name="rles">The masks, at least one, all the same size.</param>
    /// <param name="device">Where the tensor goes; CPU when null.</param>
    /// <returns>A bool <c>[N,H,W]</c> tensor on <paramref name="device"/>. The caller owns it.</returns>
    public static Tensor Decode(IReadOnlyList<Rle> rles, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(rles);
        if (rles.Count == 0)
        {
            throw new ArgumentException("no RLEs to decode: use the overload that takes the mask size", nameof(rles));
        }

        return Decode(rles, rles[0].Height, rles[0].Width, device);
    }

    /// <summary>Decodes RLEs into a bool <c>[N,H,W]</c> tensor, which may be empty (<c>N = 0</c>).</summary>
    /// <param name="rles">The masks, all <paramref name="height"/> x <paramref name="width"/>.</param>
    /// <param name="height">Mask height.</param>
    /// <param name="width">Mask width.</param>
    /// <param name="device">Where the tensor goes; CPU when null.</param>
    /// <returns>A bool <c>[N,H,W]</c> tensor on <paramref name="device"/>. The caller owns it.</returns>
    public static Tensor Decode(IReadOnlyList<Rle> rles, int height, int width, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(rles);
        Rle.CheckSize(height, width);
        for (int i = 0; i < rles.Count; i++)
        {
            Rle rle = rles[i] ?? throw new ArgumentException($"RLE {i} is null", nameof(rles));
            if (rle.Height != height || rle.Width != width)
            {
                throw new ArgumentException($"RLE {i} is {rle.Height}x{rle.Width}, expected {height}x{width}", nameof(rles));
            }
        }

        using var scope = NewDisposeScope();
        Tensor rowMajor = empty(rles.Count, height, width, ScalarType.Bool);
        int pixels = height * width;
        if (pixels > 0 && rles.Count > 0)
        {
            unsafe
            {
                nint address;
                fixed (byte* pinned = rowMajor.bytes)
                {
                    address = (nint)pinned;
                }

                Parallel.For(0, rles.Count, i =>
                {
                    byte* data = (byte*)address;
                    RowMajorRunLength.Decode(rles[i].Counts, new Span<byte>(data + ((long)i * pixels), pixels), height, width);
                });
            }
        }

        Tensor onDevice = device is null ? rowMajor : rowMajor.to(device);
        return onDevice.MoveToOuterDisposeScope();
    }

    /// <summary>Decodes one RLE into a bool <c>[H,W]</c> tensor.</summary>
    /// <param name="rle">The mask.</param>
    /// <param name="device">Where the tensor goes; CPU when null.</param>
    /// <returns>A bool <c>[H,W]</c> tensor. The caller owns it.</returns>
    public static Tensor DecodeOne(Rle rle, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(rle);
        using var batch = Decode([rle], rle.Height, rle.Width, device);
        return batch.squeeze(0);
    }

    /// <summary>Tight boxes of the decoded masks, via <see cref="MaskBoxes.TightBoxes"/>, as COCO boxes.</summary>
    /// <param name="masks"><c>[N,H,W]</c> masks.</param>
    /// <returns>One box per mask; an empty mask gets <c>[0, 0, 0, 0]</c>.</returns>
    public static CocoBox[] TightCocoBoxes(Tensor masks)
    {
        var (boxes, nonEmpty) = MaskBoxes.TightBoxes(masks);
        using (boxes)
        using (nonEmpty)
        using (Tensor cpu = boxes.cpu())
        {
            float[] xyxy = cpu.data<float>().ToArray();
            var result = new CocoBox[xyxy.Length / 4];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = CocoBox.FromXyxy(xyxy[4 * i], xyxy[(4 * i) + 1], xyxy[(4 * i) + 2], xyxy[(4 * i) + 3]);
            }

            return result;
        }
    }
}
