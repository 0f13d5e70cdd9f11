using System.Numerics;

namespace XPaste.Imaging;

/// <summary>
/// A 64-bit DCT perceptual hash: the image is averaged down to 32x32 grey, transformed by a 2-D DCT-II, and each of
/// the 8x8 lowest frequencies becomes a bit (above the median of the 63 non-DC ones or not). Resized, re-encoded or
/// slightly recoloured copies land within a few bits of each other.
/// </summary>
public static class PerceptualHash
{
    private const int Size = 32;
    private const int Low = 8;
    private static readonly double[,] Dct = DctMatrix();

    /// <summary>Number of differing bits between two hashes.</summary>
    /// <param name="a">One hash.</param>
    /// <param name="b">The other hash.</param>
    /// <returns>0 (same) to 64.</returns>
    public static int Distance(ulong a, ulong b) => BitOperations.PopCount(a ^ b);

    /// <summary>Hashes RGBA8888 pixels (rows of <paramref name="rowBytes"/> bytes).</summary>
    /// <param name="rgba">The pixels, 4 bytes each (R, G, B, A); alpha is ignored.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="rowBytes">Bytes per row.</param>
    /// <returns>The 64-bit hash.</returns>
    public static ulong Compute(ReadOnlySpan<byte> rgba, int width, int height, int rowBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        // Area average into 32x32 cells: every source pixel counts once, so no aliasing whatever the scale.
        var sum = new double[Size * Size];
        var count = new int[Size * Size];
        for (int y = 0; y < height; y++)
        {
            int cy = (int)((long)y * Size / height);
            ReadOnlySpan<byte> row = rgba.Slice(y * rowBytes, width * 4);
            for (int x = 0; x < width; x++)
            {
                int cx = (int)((long)x * Size / width);
                int i = x * 4;
                // BT.601 luma in integers.
                sum[(cy * Size) + cx] += (299 * row[i]) + (587 * row[i + 1]) + (114 * row[i + 2]);
                count[(cy * Size) + cx]++;
            }
        }

        var grey = new double[Size, Size];
        for (int i = 0; i < Size * Size; i++)
        {
            // Images under 32 px on a side leave some cells empty; repeat the nearest filled row/column instead.
            grey[i / Size, i % Size] = count[i] > 0 ? sum[i] / count[i] / 1000.0 : double.NaN;
        }

        FillEmpty(grey);
        // 2-D DCT-II restricted to the 8x8 lowest frequencies: D * G * D^T.
        var rows = new double[Low, Size];
        for (int u = 0; u < Low; u++)
        {
            for (int x = 0; x < Size; x++)
            {
                double s = 0;
                for (int y = 0; y < Size; y++)
                {
                    s += Dct[u, y] * grey[y, x];
                }

                rows[u, x] = s;
            }
        }

        Span<double> coefficients = stackalloc double[Low * Low];
        for (int u = 0; u < Low; u++)
        {
            for (int v = 0; v < Low; v++)
            {
                double s = 0;
                for (int x = 0; x < Size; x++)
                {
                    s += rows[u, x] * Dct[v, x];
                }

                coefficients[(u * Low) + v] = s;
            }
        }

        Span<double> ac = stackalloc double[(Low * Low) - 1];
        coefficients[1..].CopyTo(ac);
        ac.Sort();
        double median = (ac[(ac.Length / 2) - 1] + ac[ac.Length / 2]) / 2;
        ulong hash = 0;
        for (int i = 0; i < Low * Low; i++)
        {
            if (coefficients[i] > median)
            {
                hash |= 1UL << i;
            }
        }

        return hash;
    }

    private static void FillEmpty(double[,] grey)
    {
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                if (double.IsNaN(grey[y, x]))
                {
                    int sy = y, sx = x;
                    while (sy > 0 && double.IsNaN(grey[sy, x]))
                    {
                        sy--;
                    }

                    while (sx > 0 && double.IsNaN(grey[sy, sx]))
                    {
                        sx--;
                    }

                    grey[y, x] = double.IsNaN(grey[sy, sx]) ? 0 : grey[sy, sx];
                }
            }
        }
    }

    private static double[,] DctMatrix()
    {
        var d = new double[Size, Size];
        for (int u = 0; u < Size; u++)
        {
            double scale = u == 0 ? Math.Sqrt(1.0 / Size) : Math.Sqrt(2.0 / Size);
            for (int x = 0; x < Size; x++)
            {
                d[u, x] = scale * Math.Cos(((2 * x) + 1) * u * Math.PI / (2 * Size));
            }
        }

        return d;
    }
}
