using SkiaSharp;
using XPaste.Imaging;

namespace XPaste.Crawl;

/// <summary>What the decode check made of a downloaded body.</summary>
/// <param name="Reason">Null when the image is usable; else why not (a <see cref="CrawlReasons"/> value).</param>
/// <param name="Detail">A sentence on the problem, for the log.</param>
/// <param name="Width">Width as decoded (0 when unknown).</param>
/// <param name="Height">Height as decoded (0 when unknown).</param>
/// <param name="PerceptualHash">The 64-bit DCT hash of the image.</param>
/// <param name="Output">The bytes to store: the download itself, or a re-encoding (resized, oriented, JPEG/PNG).</param>
/// <param name="Extension">".jpg" or ".png".</param>
internal sealed record CheckedImage(string? Reason, string? Detail, int Width, int Height, ulong PerceptualHash, byte[]? Output, string Extension);

/// <summary>
/// Decodes a downloaded body with the same limits as <see cref="ImageIO"/> (<see cref="ImageLoadOptions.MaxPixels"/> is
/// checked from the header before pixel memory is allocated; truncated or corrupt data fails), then applies the size
/// and aspect filters, hashes, and optionally resizes.
/// </summary>
internal static class ImageCheck
{
    public static CheckedImage Run(byte[] body, CrawlOptions options)
    {
        if (LooksLikeMarkup(body))
        {
            return Fail(CrawlReasons.NotAnImage, "the body is HTML or XML, not an image");
        }

        using var data = SKData.CreateCopy(body);
        using var codec = SKCodec.Create(data);
        if (codec is null)
        {
            return Fail(CrawlReasons.NotAnImage, "not a recognised image (PNG, JPEG, WebP, BMP or GIF) or its header is corrupt");
        }

        SKImageInfo header = codec.Info;
        long pixels = (long)header.Width * header.Height;
        if (header.Width <= 0 || header.Height <= 0)
        {
            return Fail(CrawlReasons.Corrupt, $"invalid dimensions {header.Width}x{header.Height}");
        }

        if (pixels > options.ImageLimits.MaxPixels)
        {
            return new CheckedImage(CrawlReasons.TooManyPixels,
                $"{header.Width}x{header.Height} = {pixels:N0} pixels exceeds the limit of {options.ImageLimits.MaxPixels:N0}",
                header.Width, header.Height, 0, null, "");
        }

        bool swap = codec.EncodedOrigin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int width = swap ? header.Height : header.Width, height = swap ? header.Width : header.Height;
        // Filters first: they need only the header, and a tiny or extreme image is not worth decoding.
        if (Math.Min(width, height) < options.MinSide)
        {
            return new CheckedImage(CrawlReasons.TooSmall, $"{width}x{height} has a side below {options.MinSide}", width, height, 0, null, "");
        }

        if ((double)Math.Max(width, height) / Math.Min(width, height) > options.MaxAspectRatio)
        {
            return new CheckedImage(CrawlReasons.AspectRatio, $"{width}x{height} is more elongated than {options.MaxAspectRatio}:1", width, height, 0, null, "");
        }

        bool resize = options.ResizeLongerSide is { } side && Math.Max(width, height) > side;
        SKEncodedImageFormat format = codec.EncodedFormat;
        bool keepBytes = !resize && format is SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Png;
        // When the download is stored as is, the pixels only feed the check and the 32x32 hash: JPEG decodes at down to
        // 1/8 scale (every byte is still parsed, so truncation and corruption still show), several times faster.
        SKSizeI decodeSize = new(header.Width, header.Height);
        if (keepBytes)
        {
            float scale = Math.Max(64f / Math.Min(header.Width, header.Height), 0.125f);
            if (scale < 1)
            {
                decodeSize = codec.GetScaledDimensions(scale);
            }
        }

        var info = new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        SKCodecResult result = codec.GetPixels(info, bitmap.GetPixels(), new SKCodecOptions(0));
        if (result is SKCodecResult.IncompleteInput or SKCodecResult.ErrorInInput)
        {
            return new CheckedImage(CrawlReasons.Corrupt, $"the image data is truncated or corrupt ({result})", width, height, 0, null, "");
        }

        if (result != SKCodecResult.Success)
        {
            return new CheckedImage(CrawlReasons.Corrupt, $"could not be decoded ({result})", width, height, 0, null, "");
        }

        SKBitmap? oriented = codec.EncodedOrigin is SKEncodedOrigin.TopLeft or SKEncodedOrigin.Default ? null : Orient(bitmap, codec.EncodedOrigin);
        SKBitmap? scaled = null;
        try
        {
            SKBitmap upright = oriented ?? bitmap;
            ulong hash = PerceptualHash.Compute(upright.GetPixelSpan(), upright.Width, upright.Height, upright.RowBytes);
            bool hasAlpha = header.AlphaType != SKAlphaType.Opaque;
            if (keepBytes)
            {
                // Stored as downloaded (orientation tag included): no generation loss, and the log's SHA-256 is the file's.
                return new CheckedImage(null, null, width, height, hash, body, format == SKEncodedImageFormat.Jpeg ? ".jpg" : ".png");
            }

            SKBitmap target = upright;
            if (resize)
            {
                double scale = (double)options.ResizeLongerSide!.Value / Math.Max(width, height);
                var size = new SKImageInfo(Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)), SKColorType.Rgba8888, SKAlphaType.Unpremul);
                scaled = upright.Resize(size, new SKSamplingOptions(SKCubicResampler.Mitchell))
                    ?? throw new InvalidOperationException($"SkiaSharp could not resize a {width}x{height} image");
                target = scaled;
                width = size.Width;
                height = size.Height;
            }

            SKEncodedImageFormat outFormat = hasAlpha ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg;
            using SKData encoded = target.Encode(outFormat, options.JpegQuality)
                ?? throw new InvalidOperationException($"SkiaSharp could not encode a {width}x{height} image as {outFormat}");
            return new CheckedImage(null, null, width, height, hash, encoded.ToArray(), hasAlpha ? ".png" : ".jpg");
        }
        finally
        {
            scaled?.Dispose();
            oriented?.Dispose();
        }
    }

    private static CheckedImage Fail(string reason, string detail) => new(reason, detail, 0, 0, 0, null, "");

    /// <summary>An HTML page or an SVG/XML document served with an image content type.</summary>
    internal static bool LooksLikeMarkup(ReadOnlySpan<byte> body)
    {
        int i = 0;
        if (body.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            i = 3;
        }

        while (i < body.Length && i < 512 && body[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return i < body.Length && body[i] == (byte)'<';
    }

    /// <summary>A copy of <paramref name="bitmap"/> turned upright by the EXIF orientation.</summary>
    private static SKBitmap Orient(SKBitmap bitmap, SKEncodedOrigin origin)
    {
        bool swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int w = swap ? bitmap.Height : bitmap.Width, h = swap ? bitmap.Width : bitmap.Height;
        var result = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using var canvas = new SKCanvas(result);
        canvas.SetMatrix(OrientationMatrix(origin, bitmap.Width, bitmap.Height));
        canvas.DrawBitmap(bitmap, 0, 0);
        canvas.Flush();
        return result;
    }

    private static SKMatrix OrientationMatrix(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
        _ => SKMatrix.Identity,
    };
}
