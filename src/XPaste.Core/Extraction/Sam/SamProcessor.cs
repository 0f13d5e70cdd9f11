using System.Text.Json;
using XPaste.Imaging;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// transformers' <see cref="SamProcessor"/> on tensors: resize the longest side to <see cref="SamProcessorOptions.LongestEdge"/>
/// with PIL's bilinear filter (exactly, see <see cref="PilResize"/>; the other side <c>int(side * scale + 0.5)</c>),
/// scale to [0,1], normalise, then zero-pad at the bottom and right; prompt coordinates scaled from the image to the
/// resized frame; and <see cref="PostProcessMasks"/> back to the image's size.
/// </summary>
public sealed class SamProcessor
{
    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Creates a processor.</summary>
    /// <param name="options">The settings; <see cref="SamProcessorOptions.Default"/> (the published ones) when null.</param>
    public SamProcessor(SamProcessorOptions? options = null)
    {
        Options = options ?? SamProcessorOptions.Default;
        Options.Validate();
        _mean = [.. Options.Mean];
        _std = [.. Options.Std];
    }

    /// <summary>The settings.</summary>
    public SamProcessorOptions Options { get; }

    /// <summary>Reads <c>preprocessor_config.json</c> of a SAM folder (the published defaults when the folder has none).</summary>
    /// <param name="folder">The model folder.</param>
    /// <returns>The processor.</returns>
    /// <exception cref="InvalidInputException">The file is not valid JSON, has a value of the wrong type, or asks for processing this class does not do.</exception>
    public static SamProcessor FromFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string path = Path.Combine(folder, "preprocessor_config.json");
        if (!File.Exists(path))
        {
            return new SamProcessor();
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = doc.RootElement;
            int Get(string section, string key, int fallback) =>
                root.TryGetProperty(section, out JsonElement s) && s.ValueKind == JsonValueKind.Object && s.TryGetProperty(key, out JsonElement v) ? v.GetInt32() : fallback;
            float[] Floats(string key, IReadOnlyList<float> fallback) =>
                root.TryGetProperty(key, out JsonElement v) ? v.EnumerateArray().Select(e => e.GetSingle()).ToArray() : [.. fallback];
            if (root.TryGetProperty("resample", out JsonElement resample) && resample.GetInt32() != 2)
            {
                throw new InvalidInputException(path, $"resample {resample.GetInt32()} is not supported (the processor resizes with bilinear, 2)");
            }

            if (root.TryGetProperty("rescale_factor", out JsonElement rescale) && Math.Abs(rescale.GetDouble() - 1.0 / 255) > 1e-12)
            {
                throw new InvalidInputException(path, $"rescale_factor {rescale.GetDouble()} is not supported (only 1/255)");
            }

            var defaults = SamProcessorOptions.Default;
            return new SamProcessor(new SamProcessorOptions
            {
                LongestEdge = Get("size", "longest_edge", defaults.LongestEdge),
                PadHeight = Get("pad_size", "height", defaults.PadHeight),
                PadWidth = Get("pad_size", "width", defaults.PadWidth),
                Mean = Floats("image_mean", defaults.Mean),
                Std = Floats("image_std", defaults.Std),
            });
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidInputException(path, $"not a valid SAM preprocessor config: {ex.Message}", ex);
        }
    }

    /// <summary>The size after the resize: longest side to <see cref="SamProcessorOptions.LongestEdge"/>, the other <c>int(side * scale + 0.5)</c>.</summary>
    /// <param name="height">The image height.</param>
    /// <param name="width">The image width.</param>
    /// <returns>The resized (height, width).</returns>
    public (int Height, int Width) ResizedSize(int height, int width)
    {
        double scale = Options.LongestEdge * 1.0 / Math.Max(height, width);
        return ((int)(height * scale + 0.5), (int)(width * scale + 0.5));
    }

    /// <summary>Preprocesses images for <see cref="SamModel"/>.</summary>
    /// <param name="images"><c>uint8 [3,H,W]</c> RGB images (sizes may differ), any device.</param>
    /// <param name="device">Where the pixel values go; the CPU when null.</param>
    /// <returns>The batch; the caller disposes it.</returns>
    public SamImageBatch Preprocess(IReadOnlyList<Tensor> images, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ExtractionChecks.ValidateImages(images, nameof(images));
        using var scope = NewDisposeScope();
        var resized = new Tensor[images.Count];
        var originals = new (int, int)[images.Count];
        var reshaped = new (int, int)[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            int h = (int)images[i].shape[1], w = (int)images[i].shape[2];
            originals[i] = (h, w);
            reshaped[i] = ResizedSize(h, w);
            Tensor rgb = images[i].narrow(0, 0, 3);
            resized[i] = reshaped[i] == (h, w) ? rgb.cpu() : PilResize.Bilinear(rgb, reshaped[i].Item1, reshaped[i].Item2);
        }

        Tensor pixels = FromResized(resized, device ?? CPU);
        return new SamImageBatch(pixels.MoveToOuterDisposeScope(), originals, reshaped);
    }

    /// <summary>Normalises and pads images already resized (<c>uint8 [3,h,w]</c>) into <c>float32 [B,3,S,S]</c>.</summary>
    internal Tensor FromResized(IReadOnlyList<Tensor> resized, Device device)
    {
        using var scope = NewDisposeScope();
        Tensor mean = tensor(_mean, ScalarType.Float32, device).view(3, 1, 1);
        Tensor std = tensor(_std, ScalarType.Float32, device).view(3, 1, 1);
        var padded = new Tensor[resized.Count];
        for (int i = 0; i < resized.Count; i++)
        {
            // As transformers: uint8 * (1/255) in float64, then float32, then (x - mean) / std in float32.
            Tensor x = resized[i].to(device).to(ScalarType.Float64).mul(1.0 / 255).to(ScalarType.Float32);
            x = (x - mean) / std;
            // The padding comes after the normalisation, so it is 0 in normalised units.
            padded[i] = nn.functional.pad(x, [0, Options.PadWidth - x.shape[2], 0, Options.PadHeight - x.shape[1]]);
        }

        return stack(padded).MoveToOuterDisposeScope();
    }

    /// <summary>A point in image pixels to the resized frame the model's prompts use (x by <c>w'/w</c>, y by <c>h'/h</c>).</summary>
    /// <param name="x">Column in the original image.</param>
    /// <param name="y">Row in the original image.</param>
    /// <param name="originalSize">The image's (height, width).</param>
    /// <returns>The scaled point.</returns>
    public (double X, double Y) ScalePoint(double x, double y, (int Height, int Width) originalSize)
    {
        var (h, w) = ResizedSize(originalSize.Height, originalSize.Width);
        return (x * ((double)w / originalSize.Width), y * ((double)h / originalSize.Height));
    }

    /// <summary>A box <c>(x1, y1, x2, y2)</c> in image pixels to the resized frame (both corners as <see cref="ScalePoint"/>).</summary>
    /// <param name="box">The box.</param>
    /// <param name="originalSize">The image's (height, width).</param>
    /// <returns>The scaled box.</returns>
    public (double X1, double Y1, double X2, double Y2) ScaleBox((double X1, double Y1, double X2, double Y2) box, (int Height, int Width) originalSize)
    {
        var (x1, y1) = ScalePoint(box.X1, box.Y1, originalSize);
        var (x2, y2) = ScalePoint(box.X2, box.Y2, originalSize);
        return (x1, y1, x2, y2);
    }

    /// <summary>
    /// transformers' <c>post_process_masks</c> for one image: bilinear (no antialias) up to the padded size, crop to
    /// the resized size, bilinear to the original size, then <c>&gt; threshold</c> when binarising.
    /// </summary>
    /// <param name="masks">Low-resolution logits <c>[P,M,h,w]</c> of one image (a slice of <see cref="SamOutput.PredMasks"/>).</param>
    /// <param name="originalSize">The image's (height, width).</param>
    /// <param name="reshapedSize">The resized (height, width), <see cref="ResizedSize"/>.</param>
    /// <param name="binarize">Return a bool mask (true) or the float logits.</param>
    /// <param name="threshold">The logit above which a pixel is foreground.</param>
    /// <returns><c>[P,M,H,W]</c> bool or float32 on the masks' device.</returns>
    public Tensor PostProcessMasks(Tensor masks, (int Height, int Width) originalSize, (int Height, int Width) reshapedSize, bool binarize = true, double threshold = 0.0)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.dim() != 4)
        {
            throw new ArgumentException($"expected masks [P,M,h,w] of one image, got [{string.Join(",", masks.shape)}]", nameof(masks));
        }

        if (reshapedSize.Height > Options.PadHeight || reshapedSize.Width > Options.PadWidth || reshapedSize.Height <= 0 || reshapedSize.Width <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(reshapedSize), $"the resized size {reshapedSize} must fit the padded {Options.PadHeight}x{Options.PadWidth}");
        }

        using var scope = NewDisposeScope();
        Tensor x = nn.functional.interpolate(masks.to(ScalarType.Float32), [Options.PadHeight, Options.PadWidth], mode: InterpolationMode.Bilinear, align_corners: false);
        x = x.narrow(2, 0, reshapedSize.Height).narrow(3, 0, reshapedSize.Width);
        x = nn.functional.interpolate(x, [originalSize.Height, originalSize.Width], mode: InterpolationMode.Bilinear, align_corners: false);
        return (binarize ? x > threshold : x).MoveToOuterDisposeScope();
    }
}
