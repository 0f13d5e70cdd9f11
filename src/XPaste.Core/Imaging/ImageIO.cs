using SkiaSharp;
using TorchSharp;
using XPaste.IO;
using static TorchSharp.torch;

namespace XPaste.Imaging;

/// <summary>
/// Decodes PNG, JPEG, WebP, BMP and GIF (first frame) into <c>uint8</c> tensors laid out <c>[C,H,W]</c>
/// (RGB or unpremultiplied RGBA, greyscale expanded to RGB) and encodes such tensors back to PNG or JPEG.
/// Pixels move through byte spans straight into tensor memory; nothing indexes a tensor per pixel.
/// </summary>
public static class ImageIO
{
    /// <summary>Reads and decodes an image file.</summary>
    /// <param name="path">The image file.</param>
    /// <param name="options">Decoding options; <see cref="ImageLoadOptions.Default"/> when null.</param>
    /// <returns>A CPU <c>uint8</c> tensor <c>[C,H,W]</c>, C = 3 or 4. The caller owns it.</returns>
    /// <exception cref="InvalidImageException">The file is empty, not an image, truncated, corrupt or too large.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public static Tensor Load(string path, ImageLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] encoded;
        try
        {
            encoded = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidImageException(path, "file not found", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new InvalidImageException(path, Directory.Exists(path) ? "is a folder, not an image file" : "cannot be read (permission denied)", ex);
        }

        return Decode(encoded, path, options);
    }

    /// <summary>Decodes an encoded image held in memory.</summary>
    /// <param name="encoded">The file's bytes.</param>
    /// <param name="name">A name for error messages, usually the file path.</param>
    /// <param name="options">Decoding options; <see cref="ImageLoadOptions.Default"/> when null.</param>
    /// <returns>A CPU <c>uint8</c> tensor <c>[C,H,W]</c>, C = 3 or 4. The caller owns it.</returns>
    /// <exception cref="InvalidImageException">The bytes are empty, not an image, truncated, corrupt or too large.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public static Tensor Decode(ReadOnlySpan<byte> encoded, string name, ImageLoadOptions? options = null)
    {
        options ??= ImageLoadOptions.Default;
        options.Validate();
        if (encoded.IsEmpty)
        {
            throw new InvalidImageException(name, "the file is empty");
        }

        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data) ?? throw new InvalidImageException(name, "not a recognised image (PNG, JPEG, WebP, BMP or GIF) or its header is corrupt");
        SKImageInfo header = codec.Info;
        long pixels = (long)header.Width * header.Height;
        if (header.Width <= 0 || header.Height <= 0)
        {
            throw new InvalidImageException(name, $"invalid dimensions {header.Width}x{header.Height}");
        }

        if (pixels > options.MaxPixels)
        {
            throw new InvalidImageException(name,
                $"{header.Width}x{header.Height} = {pixels:N0} pixels exceeds the limit of {options.MaxPixels:N0} (ImageLoadOptions.MaxPixels)");
        }

        bool hasAlpha = header.AlphaType != SKAlphaType.Opaque;
        int channels = options.Channels switch
        {
            ImageChannels.Rgb => 3,
            ImageChannels.Rgba => 4,
            _ => hasAlpha ? 4 : 3,
        };

        using var scope = NewDisposeScope();
        var info = new SKImageInfo(header.Width, header.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        Tensor hwc = empty(new long[] { header.Height, header.Width, 4 }, ScalarType.Byte);
        SKCodecResult result;
        unsafe
        {
            fixed (byte* target = hwc.bytes)
            {
                // Frame 0 is the first GIF frame and the only frame of everything else.
                result = codec.GetPixels(info, (IntPtr)target, info.RowBytes, new SKCodecOptions(0));
            }
        }

        switch (result)
        {
            case SKCodecResult.Success:
                break;
            case SKCodecResult.IncompleteInput:
            case SKCodecResult.ErrorInInput:
                throw new InvalidImageException(name, $"the image data is truncated or corrupt ({result})");
            default:
                throw new InvalidImageException(name, $"could not be decoded ({result})");
        }

        if (options.ApplyOrientation)
        {
            hwc = Orient(hwc, codec.EncodedOrigin);
        }

        Tensor chw = hwc.permute(2, 0, 1);
        if (channels == 3)
        {
            chw = chw.narrow(0, 0, 3);
        }

        return chw.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Reads only the header: width, height and whether the image has transparency.</summary>
    /// <param name="path">The image file.</param>
    /// <returns>The image's size as stored (before orientation) and its alpha flag.</returns>
    public static ImageHeader ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        using var codec = SKCodec.Create(stream) ?? throw new InvalidImageException(path, "not a recognised image or its header is corrupt");
        SKImageInfo info = codec.Info;
        bool swap = codec.EncodedOrigin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        return new ImageHeader(swap ? info.Height : info.Width, swap ? info.Width : info.Height, info.AlphaType != SKAlphaType.Opaque);
    }

    /// <summary>Encodes a <c>uint8</c> <c>[C,H,W]</c> tensor (C = 1, 3 or 4) as PNG.</summary>
    /// <param name="image">The image; on any device.</param>
    /// <returns>The PNG file's bytes.</returns>
    public static byte[] EncodePng(Tensor image) => Encode(image, SKEncodedImageFormat.Png, 100);

    /// <summary>Encodes a <c>uint8</c> <c>[C,H,W]</c> tensor (C = 1 or 3; alpha is dropped) as JPEG.</summary>
    /// <param name="image">The image; on any device.</param>
    /// <param name="quality">JPEG quality, 1-100.</param>
    /// <returns>The JPEG file's bytes.</returns>
    public static byte[] EncodeJpeg(Tensor image, int quality = 95)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        return Encode(image, SKEncodedImageFormat.Jpeg, quality);
    }

    /// <summary>Writes a PNG atomically: a temporary file beside the target, then a rename.</summary>
    /// <param name="image">A <c>uint8</c> <c>[C,H,W]</c> tensor, C = 1, 3 or 4.</param>
    /// <param name="path">The target file; its folder is created if missing.</param>
    public static void SavePng(Tensor image, string path) => AtomicFile.WriteAllBytes(path, EncodePng(image));

    /// <summary>Writes a JPEG atomically: a temporary file beside the target, then a rename.</summary>
    /// <param name="image">A <c>uint8</c> <c>[C,H,W]</c> tensor, C = 1 or 3.</param>
    /// <param name="path">The target file; its folder is created if missing.</param>
    /// <param name="quality">JPEG quality, 1-100.</param>
    public static void SaveJpeg(Tensor image, string path, int quality = 95) => AtomicFile.WriteAllBytes(path, EncodeJpeg(image, quality));

    /// <summary>Writes PNG or JPEG by the file extension (<c>.png</c>, <c>.jpg</c>, <c>.jpeg</c>), atomically.</summary>
    /// <param name="image">A <c>uint8</c> <c>[C,H,W]</c> tensor.</param>
    /// <param name="path">The target file.</param>
    public static void Save(Tensor image, string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        switch (ext)
        {
            case ".png":
                SavePng(image, path);
                break;
            case ".jpg":
            case ".jpeg":
                SaveJpeg(image, path);
                break;
            default:
                throw new ArgumentException($"{path}: cannot tell the format from '{ext}'; use .png, .jpg or .jpeg", nameof(path));
        }
    }

    private static byte[] Encode(Tensor image, SKEncodedImageFormat format, int quality)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.dim() != 3 || image.dtype != ScalarType.Byte)
        {
            throw new ArgumentException($"expected a uint8 [C,H,W] tensor, got {image.dtype} [{string.Join(",", image.shape)}]", nameof(image));
        }

        int c = (int)image.shape[0], h = (int)image.shape[1], w = (int)image.shape[2];
        if (c is not (1 or 3 or 4))
        {
            throw new ArgumentException($"expected 1, 3 or 4 channels, got {c}", nameof(image));
        }

        using var scope = NewDisposeScope();
        Tensor rgba = image.to(CPU);
        if (c == 1)
        {
            rgba = rgba.expand(3, h, w);
        }

        if (rgba.shape[0] == 4 && format == SKEncodedImageFormat.Jpeg)
        {
            rgba = rgba.narrow(0, 0, 3);
        }

        if (rgba.shape[0] == 3)
        {
            rgba = cat(new[] { rgba, full(new long[] { 1, h, w }, 255, ScalarType.Byte) }, 0);
        }

        Tensor hwc = rgba.permute(1, 2, 0).contiguous();
        SKAlphaType alpha = c == 4 && format == SKEncodedImageFormat.Png ? SKAlphaType.Unpremul : SKAlphaType.Opaque;
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, alpha);
        unsafe
        {
            fixed (byte* pixels = hwc.bytes)
            {
                using var pixmap = new SKPixmap(info, (IntPtr)pixels, info.RowBytes);
                using SKData encoded = pixmap.Encode(format, quality)
                    ?? throw new InvalidOperationException($"SkiaSharp could not encode a {w}x{h} image as {format}");
                return encoded.ToArray();
            }
        }
    }

    /// <summary>Applies an EXIF orientation to an <c>[H,W,C]</c> tensor.</summary>
    private static Tensor Orient(Tensor hwc, SKEncodedOrigin origin) => origin switch
    {
        SKEncodedOrigin.TopRight => hwc.flip(1),
        SKEncodedOrigin.BottomRight => hwc.flip(0, 1),
        SKEncodedOrigin.BottomLeft => hwc.flip(0),
        SKEncodedOrigin.LeftTop => hwc.permute(1, 0, 2),
        SKEncodedOrigin.RightTop => hwc.permute(1, 0, 2).flip(1),
        SKEncodedOrigin.RightBottom => hwc.permute(1, 0, 2).flip(0, 1),
        SKEncodedOrigin.LeftBottom => hwc.permute(1, 0, 2).flip(0),
        _ => hwc,
    };
}
