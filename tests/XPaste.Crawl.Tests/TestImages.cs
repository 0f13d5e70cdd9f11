using System.Buffers.Binary;
using SkiaSharp;
using XPaste.Tests;

namespace XPaste.Crawl.Tests;

/// <summary>Encoded test images made from the shared sample photos or drawn on the spot.</summary>
internal static class TestImages
{
    /// <summary>A sample photo (tests/Shared/TestData/images) re-encoded, optionally scaled.</summary>
    public static byte[] Photo(string name, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg, int quality = 90, double scale = 1)
    {
        using SKBitmap source = SKBitmap.Decode(TestFiles.Data("images", name)) ?? throw new InvalidOperationException(name);
        SKBitmap bitmap = source;
        if (scale != 1)
        {
            bitmap = source.Resize(new SKImageInfo((int)(source.Width * scale), (int)(source.Height * scale)), new SKSamplingOptions(SKCubicResampler.Mitchell));
        }

        try
        {
            using SKData data = bitmap.Encode(format, quality);
            return data.ToArray();
        }
        finally
        {
            if (!ReferenceEquals(bitmap, source))
            {
                bitmap.Dispose();
            }
        }
    }

    /// <summary>A drawn image of the given size (a gradient with a circle, different for each seed).</summary>
    public static byte[] Drawn(int width, int height, int seed, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg, int quality = 90)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            var random = new Random(seed);
            canvas.Clear(new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            using var paint = new SKPaint { IsAntialias = true };
            for (int i = 0; i < 12; i++)
            {
                paint.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                canvas.DrawCircle(random.Next(width), random.Next(height), random.Next(5, Math.Max(6, Math.Min(width, height) / 2)), paint);
            }
        }

        using SKData data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>
    /// A small PNG whose header claims <paramref name="width"/> x <paramref name="height"/> pixels (a decompression bomb's
    /// header: a decoder that trusted it would allocate width x height x 4 bytes).
    /// </summary>
    public static byte[] Bomb(int width, int height)
    {
        byte[] png = Drawn(8, 8, 1, SKEncodedImageFormat.Png);
        // IHDR is the first chunk: length(4) "IHDR"(4) width(4) height(4) ... crc(4), starting at byte 8.
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32(png.AsSpan(12, 17)));
        return png;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
