using XPaste.Imaging;
using static TorchSharp.torch;

namespace XPaste.Tests.Imaging;

public sealed class ImageIOTests
{
    private static Tensor RandomImage(int channels, int height, int width, long seed)
    {
        var generator = new Generator((ulong)seed);
        return randint(0, 256, new long[] { channels, height, width }, ScalarType.Byte, generator: generator);
    }

    [Fact]
    public void Png_round_trip_is_exact_for_rgb()
    {
        using var scope = NewDisposeScope();
        Tensor image = RandomImage(3, 17, 23, 1);
        Tensor decoded = ImageIO.Decode(ImageIO.EncodePng(image), "memory.png");
        Assert.Equal(new long[] { 3, 17, 23 }, decoded.shape);
        TensorAssert.Equal(image, decoded);
    }

    [Fact]
    public void Png_round_trip_keeps_unpremultiplied_rgba()
    {
        using var scope = NewDisposeScope();
        Tensor image = RandomImage(4, 9, 13, 2);
        image[3] = image[3].clamp_min(1); // fully transparent pixels have no colour to keep
        Tensor decoded = ImageIO.Decode(ImageIO.EncodePng(image), "memory.png");
        Assert.Equal(new long[] { 4, 9, 13 }, decoded.shape);
        TensorAssert.Equal(image, decoded);
    }

    [Fact]
    public void Greyscale_png_is_expanded_to_rgb()
    {
        using var scope = NewDisposeScope();
        Tensor coins = ImageIO.Load(TestFiles.Data("images", "coins.png"));
        Assert.Equal(3, coins.shape[0]);
        TensorAssert.Equal(coins[1], coins[0]);
        TensorAssert.Equal(coins[2], coins[0]);
        Assert.True(coins.max().item<byte>() > coins.min().item<byte>());
    }

    [Fact]
    public void Transparent_png_decodes_to_rgba_and_channels_can_be_forced()
    {
        using var scope = NewDisposeScope();
        string horse = TestFiles.Data("images", "horse.png");
        Tensor rgba = ImageIO.Load(horse);
        Assert.Equal(4, rgba.shape[0]);
        Assert.True(rgba[3].min().item<byte>() < rgba[3].max().item<byte>()); // partly transparent
        Tensor rgb = ImageIO.Load(horse, new ImageLoadOptions { Channels = ImageChannels.Rgb });
        Assert.Equal(3, rgb.shape[0]);
        Tensor opaque = ImageIO.Load(TestFiles.Data("images", "chelsea.png"), new ImageLoadOptions { Channels = ImageChannels.Rgba });
        Assert.Equal(4, opaque.shape[0]);
        Assert.Equal(255, opaque[3].min().item<byte>());
    }

    [Fact]
    public void Jpeg_decodes_close_to_the_source()
    {
        using var scope = NewDisposeScope();
        Tensor image = ImageIO.Load(TestFiles.Data("images", "chelsea.png"));
        Tensor decoded = ImageIO.Decode(ImageIO.EncodeJpeg(image, 95), "memory.jpg");
        Assert.Equal(image.shape, decoded.shape);
        double meanError = (decoded.to(ScalarType.Float32) - image.to(ScalarType.Float32)).abs().mean().item<float>();
        Assert.InRange(meanError, 0.0, 3.0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Exif_orientation_is_applied(int orientation)
    {
        using var scope = NewDisposeScope();
        // Large flat blocks survive JPEG; a 2x3 grid of distinct colours tells every orientation apart.
        Tensor grid = tensor(new byte[] { 0, 60, 120, 180, 240, 30 }, new long[] { 1, 2, 3 }).to(ScalarType.Byte);
        Tensor image = grid.repeat_interleave(16, 1).repeat_interleave(16, 2).expand(3, 32, 48).contiguous();
        byte[] jpeg = WithExifOrientation(ImageIO.EncodeJpeg(image, 100), orientation);

        Tensor upright = ImageIO.Decode(jpeg, "oriented.jpg");
        Tensor raw = ImageIO.Decode(jpeg, "oriented.jpg", new ImageLoadOptions { ApplyOrientation = false });
        Assert.Equal(new long[] { 3, 32, 48 }, raw.shape);

        Tensor expected = orientation switch
        {
            2 => raw.flip(2),
            3 => raw.flip(1, 2),
            4 => raw.flip(1),
            5 => raw.transpose(1, 2),
            6 => raw.transpose(1, 2).flip(2),
            7 => raw.transpose(1, 2).flip(1, 2),
            8 => raw.transpose(1, 2).flip(1),
            _ => raw,
        };
        TensorAssert.Equal(expected, upright);
        // Orientation 6 means "rotate 90 degrees clockwise to view": the top-left block comes from the bottom-left.
        if (orientation == 6)
        {
            Assert.Equal(new long[] { 3, 48, 32 }, upright.shape);
            Assert.InRange(upright[0, 0, 0].item<byte>(), 170, 190);
        }
    }

    [Fact]
    public void Bmp_decodes_exactly()
    {
        using var scope = NewDisposeScope();
        Tensor image = RandomImage(3, 5, 7, 3);
        Tensor decoded = ImageIO.Decode(Bmp24(image), "tiny.bmp");
        TensorAssert.Equal(image, decoded);
    }

    [Fact]
    public void Webp_lossless_round_trip_is_exact()
    {
        using var scope = NewDisposeScope();
        Tensor image = RandomImage(3, 11, 6, 4);
        byte[] webp = EncodeWithSkia(image, SkiaSharp.SKEncodedImageFormat.Webp, 100);
        Tensor decoded = ImageIO.Decode(webp, "tiny.webp");
        TensorAssert.Equal(image, decoded);
    }

    [Fact]
    public void Gif_gives_the_first_frame()
    {
        using var scope = NewDisposeScope();
        Tensor first = ImageIO.Load(TestFiles.Data("imaging", "two-frames.gif"));
        Assert.Equal(new long[] { 3, 4, 6 }, first.shape);
        // Frame 0 is solid red, frame 1 solid blue.
        Assert.Equal(new byte[] { 255, 0, 0 }, first[.., 0, 0].data<byte>().ToArray());
        Assert.Equal(255, first[0].min().item<byte>());
    }

    [Fact]
    public void Saved_png_reads_back_and_leaves_no_temporary_file()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        Tensor image = RandomImage(3, 8, 8, 5);
        string path = folder.File("nested", "out.png");
        ImageIO.Save(image, path);
        TensorAssert.Equal(image, ImageIO.Load(path));
        Assert.Equal(new[] { "out.png" }, Directory.GetFiles(folder.File("nested")).Select(Path.GetFileName));
    }

    [Fact]
    public void Header_is_read_without_decoding()
    {
        ImageHeader header = ImageIO.ReadHeader(TestFiles.Data("images", "horse.png"));
        Assert.True(header.HasAlpha);
        using Tensor horse = ImageIO.Load(TestFiles.Data("images", "horse.png"));
        Assert.Equal((int)horse.shape[2], header.Width);
        Assert.Equal((int)horse.shape[1], header.Height);
    }

    [Fact]
    public void Empty_file_is_rejected_naming_it()
    {
        using var folder = new TempFolder();
        string path = folder.File("empty.png");
        File.WriteAllBytes(path, []);
        var ex = Assert.Throws<InvalidImageException>(() => ImageIO.Load(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_is_rejected_naming_the_file()
    {
        using var folder = new TempFolder();
        string path = folder.File("garbage.jpg");
        File.WriteAllBytes(path, System.Text.Encoding.ASCII.GetBytes("this is not an image at all"));
        var ex = Assert.Throws<InvalidImageException>(() => ImageIO.Load(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("coins.png")]
    [InlineData("rocket.jpg")]
    public void Truncated_file_is_rejected_naming_it(string name)
    {
        using var folder = new TempFolder();
        byte[] whole = File.ReadAllBytes(TestFiles.Data("images", name));
        string path = folder.File("truncated-" + name);
        File.WriteAllBytes(path, whole.AsSpan(0, whole.Length / 2).ToArray());
        var ex = Assert.Throws<InvalidImageException>(() => ImageIO.Load(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decompression_bomb_is_rejected_from_its_header()
    {
        // A valid PNG header that declares 60000 x 60000 pixels (3.6 gigapixels) over a few bytes of data.
        byte[] bomb = PngHeaderOnly(60000, 60000);
        var ex = Assert.Throws<InvalidImageException>(() => ImageIO.Decode(bomb, "bomb.png"));
        Assert.Contains("bomb.png", ex.Message, StringComparison.Ordinal);
        Assert.Contains("exceeds the limit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pixel_limit_is_an_option()
    {
        string path = TestFiles.Data("images", "coins.png");
        var ex = Assert.Throws<InvalidImageException>(() => ImageIO.Load(path, new ImageLoadOptions { MaxPixels = 1000 }));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    private static byte[] EncodeWithSkia(Tensor image, SkiaSharp.SKEncodedImageFormat format, int quality)
    {
        int h = (int)image.shape[1], w = (int)image.shape[2];
        using Tensor rgba = cat(new[] { image, full(new long[] { 1, h, w }, 255, ScalarType.Byte) }).permute(1, 2, 0).contiguous();
        using var bitmap = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(w, h, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Opaque));
        rgba.bytes.CopyTo(bitmap.GetPixelSpan());
        using var data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>A bottom-up 24-bit BMP, written by hand (SkiaSharp cannot encode BMP).</summary>
    private static byte[] Bmp24(Tensor image)
    {
        int h = (int)image.shape[1], w = (int)image.shape[2];
        byte[] rgb = image.permute(1, 2, 0).contiguous().data<byte>().ToArray();
        int stride = (w * 3 + 3) & ~3;
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write((byte)'B'); writer.Write((byte)'M');
        writer.Write(54 + stride * h); writer.Write(0); writer.Write(54);
        writer.Write(40); writer.Write(w); writer.Write(h); writer.Write((short)1); writer.Write((short)24);
        writer.Write(0); writer.Write(stride * h); writer.Write(2835); writer.Write(2835); writer.Write(0); writer.Write(0);
        for (int y = h - 1; y >= 0; y--)
        {
            for (int x = 0; x < w; x++)
            {
                int i = (y * w + x) * 3;
                writer.Write(rgb[i + 2]); writer.Write(rgb[i + 1]); writer.Write(rgb[i]);
            }

            for (int p = w * 3; p < stride; p++)
            {
                writer.Write((byte)0);
            }
        }

        writer.Flush();
        return stream.ToArray();
    }

    /// <summary>Signature, IHDR with the given size, and an IDAT holding a few bytes only.</summary>
    private static byte[] PngHeaderOnly(int width, int height)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        byte[] ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        WriteChunk(stream, "IHDR", ihdr);
        WriteChunk(stream, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        byte[] length = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        byte[] typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        stream.Write(typeBytes);
        stream.Write(data);
        byte[] crc = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32([.. typeBytes, .. data]));
        stream.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    /// <summary>Inserts an EXIF APP1 segment with one Orientation tag right after the JPEG's SOI marker.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, int orientation)
    {
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF header, IFD at offset 8
            0, 1, // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)orientation, 0, 0, // Orientation, SHORT, count 1
            0, 0, 0, 0, // no next IFD
        ];
        byte[] exif = [.. "Exif\0\0"u8.ToArray(), .. tiff];
        int length = exif.Length + 2;
        byte[] app1 = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. exif];
        return [jpeg[0], jpeg[1], .. app1, .. jpeg.AsSpan(2).ToArray()];
    }
}
