using static TorchSharp.torch;

namespace XPaste.Imaging;

/// <summary>
/// PIL's <c>Image.resize(size, BILINEAR)</c> for 8-bit images, bit for bit: the triangle filter widened by the scale
/// when shrinking (so it antialiases), weights normalised in double and turned into 22-bit fixed point, a horizontal
/// pass and then a vertical one, each rounded and clipped to 8 bits. Torch's antialiased bilinear computes the same
/// weights in floating point and differs by one level in places.
/// </summary>
internal static class PilResize
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resizes a <c>uint8 [C,H,W]</c> image (any device) to <c>[C,height,width]</c> on the CPU.</summary>
    public static Tensor Bilinear(Tensor image, int height, int width)
    {
        if (image.dtype != ScalarType.Byte || image.dim() != 3)
        {
            throw new ArgumentException($"expected a uint8 [C,H,W] image, got {image.dtype} [{string.Join(",", image.shape)}]", nameof(image));
        }

        if (height <= 0 || width <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(height), $"the target size {height}x{width} must be positive");
        }

        int channels = (int)image.shape[0], inH = (int)image.shape[1], inW = (int)image.shape[2];
        using Tensor cpu = image.cpu().contiguous();
        byte[] source = cpu.data<byte>().ToArray();
        var output = new byte[channels * height * width];
        (int[] xBounds, int[] xWeights, int xSize) = Coefficients(inW, width);
        (int[] yBounds, int[] yWeights, int ySize) = Coefficients(inH, height);
        for (int c = 0; c < channels; c++)
        {
            var plane = new ReadOnlySpan<byte>(source, c * inH * inW, inH * inW);
            byte[] horizontal = width == inW ? plane.ToArray() : Horizontal(plane, inH, inW, width, xBounds, xWeights, xSize);
            byte[] result = height == inH ? horizontal : Vertical(horizontal, width, height, yBounds, yWeights, ySize);
            result.CopyTo(output, c * height * width);
        }

        return tensor(output, [channels, height, width], ScalarType.Byte);
    }

    private static byte[] Horizontal(ReadOnlySpan<byte> plane, int rows, int inW, int outW, int[] bounds, int[] weights, int ksize)
    {
        var result = new byte[rows * outW];
        for (int y = 0; y < rows; y++)
        {
            int rowStart = y * inW;
            for (int x = 0; x < outW; x++)
            {
                int min = bounds[2 * x], count = bounds[2 * x + 1];
                int sum = 1 << (PrecisionBits - 1);
                for (int k = 0; k < count; k++)
                {
                    sum += plane[rowStart + min + k] * weights[x * ksize + k];
                }

                result[y * outW + x] = Clip8(sum);
            }
        }

        return result;
    }

    private static byte[] Vertical(byte[] plane, int cols, int outH, int[] bounds, int[] weights, int ksize)
    {
        var result = new byte[outH * cols];
        for (int y = 0; y < outH; y++)
        {
            int min = bounds[2 * y], count = bounds[2 * y + 1];
            for (int x = 0; x < cols; x++)
            {
                int sum = 1 << (PrecisionBits - 1);
                for (int k = 0; k < count; k++)
                {
                    sum += plane[(min + k) * cols + x] * weights[y * ksize + k];
                }

                result[y * cols + x] = Clip8(sum);
            }
        }

        return result;
    }

    private static byte Clip8(int value)
    {
        int shifted = value >> PrecisionBits;
        return (byte)Math.Clamp(shifted, 0, 255);
    }

    /// <summary>PIL's <c>precompute_coeffs</c> with the bilinear filter (support 1) and <c>normalize_coeffs_8bpc</c>.</summary>
    private static (int[] Bounds, int[] Weights, int KernelSize) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = 1.0 * filterScale;
        int ksize = (int)Math.Ceiling(support) * 2 + 1;
        var bounds = new int[2 * outSize];
        var weights = new int[outSize * ksize];
        var k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            // C casts truncate toward zero.
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            double ww = 0;
            for (int x = 0; x < xmax; x++)
            {
                double w = Triangle((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }

            for (int x = 0; x < xmax; x++)
            {
                double normalised = ww != 0 ? k[x] / ww : k[x];
                weights[xx * ksize + x] = normalised < 0
                    ? (int)(-0.5 + normalised * (1 << PrecisionBits))
                    : (int)(0.5 + normalised * (1 << PrecisionBits));
            }

            bounds[2 * xx] = xmin;
            bounds[2 * xx + 1] = xmax;
        }

        return (bounds, weights, ksize);
    }

    private static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }
}
