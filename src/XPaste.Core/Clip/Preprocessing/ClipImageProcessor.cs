using static TorchSharp.torch;

namespace XPaste.Clip;

/// <summary>
/// CLIP's image preprocessing on tensors, batched, on any device: resize the shorter side to 224 with an
/// antialiased bicubic filter, centre crop 224, scale to [0,1], normalise with CLIP's mean and std
/// (transformers' <c>CLIPImageProcessor</c>). Also builds X-Paste's scoring view of a cut-out.
/// </summary>
/// <remarks>
/// Resizing follows PIL's <c>Image.resize(..., BICUBIC)</c>, which transformers uses: a separable Keys kernel with
/// a = -0.5 widened by the scale when shrinking, horizontal pass first, each pass rounded to 8 bits. Torch's
/// antialiased bicubic computes the same weights in floating point where PIL uses 22-bit fixed point, so a pixel
/// can differ from PIL by one level. The long side becomes <c>floor(224 * long / short)</c> and the crop offset
/// <c>floor((side - 224) / 2)</c>, as in transformers (torchvision's <c>CenterCrop</c>, used by OpenAI's own
/// preprocessing, rounds that offset instead: at most one pixel of shift on odd margins).
/// </remarks>
public sealed class ClipImageProcessor
{
    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Creates the processor.</summary>
    /// <param name="options">Sizes and normalisation; CLIP's at 224 when null.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public ClipImageProcessor(ClipImageProcessorOptions? options = null)
    {
        Options = options ?? ClipImageProcessorOptions.Default;
        Options.Validate();

        _mean = [.. Options.Mean];
        _std = [.. Options.Std];
    }

    /// <summary>The options in use.</summary>
    public ClipImageProcessorOptions Options { get; }

    /// <summary>Preprocesses a batch of RGB images of any sizes.</summary>
    /// <param name="images"><c>uint8 [3,H,W]</c> RGB images.</param>
    /// <param name="device">Where to compute and return the batch; the first image's device when null.</param>
    /// <returns><c>float32 [N,3,CropSize,CropSize]</c>; the caller owns it.</returns>
    /// <exception cref="ArgumentException">The list is empty or an image is not <c>uint8 [3,H,W]</c>.</exception>
    public Tensor Preprocess(IReadOnlyList<Tensor> images, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw new ArgumentException("no images", nameof(images));
        }

        device ??= images[0].device;
        using var scope = NewDisposeScope();
        var crops = new Tensor[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            Tensor image = images[i];
            if (image.dtype != ScalarType.Byte || image.dim() != 3 || image.shape[0] != 3)
            {
                throw new ArgumentException($"image {i}: expected uint8 [3,H,W] RGB, got {image.dtype} [{string.Join(",", image.shape)}]", nameof(images));
            }

            crops[i] = CenterCrop(Resize(image.to(device).to(ScalarType.Float32).unsqueeze(0)));
        }

        Tensor batch = cat(crops, 0).div_(255.0);
        Tensor mean = tensor(_mean, ScalarType.Float32, device).view(1, 3, 1, 1);
        Tensor std = tensor(_std, ScalarType.Float32, device).view(1, 3, 1, 1);
        return batch.sub_(mean).div_(std).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// X-Paste's view of a cut-out for scoring: the full frame with the foreground (mask above
    /// <paramref name="threshold"/>) kept and everything else white, i.e. <c>image*mask + 255*(1-mask)</c>.
    /// </summary>
    /// <param name="image"><c>uint8 [3,H,W]</c> RGB, or <c>[4,H,W]</c> RGBA (alpha ignored: the mask decides).</param>
    /// <param name="mask"><c>[H,W]</c> mask, <c>uint8</c> 0-255 (or any dtype compared with the threshold), or bool.</param>
    /// <param name="threshold">Pixels with a mask value above this are foreground. Default 128.</param>
    /// <returns><c>uint8 [3,H,W]</c> on the image's device; the caller owns it.</returns>
    public static Tensor WhiteBackground(Tensor image, Tensor mask, int threshold = 128)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(mask);
        if (image.dtype != ScalarType.Byte || image.dim() != 3 || image.shape[0] is not (3 or 4))
        {
            throw new ArgumentException($"expected uint8 [3|4,H,W], got {image.dtype} [{string.Join(",", image.shape)}]", nameof(image));
        }

        if (mask.dim() != 2 || mask.shape[0] != image.shape[1] || mask.shape[1] != image.shape[2])
        {
            throw new ArgumentException($"mask [{string.Join(",", mask.shape)}] does not match image [{string.Join(",", image.shape)}]", nameof(mask));
        }

        using var scope = NewDisposeScope();
        Tensor keep = (mask.dtype == ScalarType.Bool ? mask : mask.gt(threshold)).to(image.device);
        Tensor rgb = image.narrow(0, 0, 3);
        return where(keep.unsqueeze(0), rgb, full_like(rgb, 255)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The RGB view X-Paste scores of an image that may carry alpha: an RGBA cut-out becomes
    /// <see cref="WhiteBackground"/> of its own alpha; anything else is returned as it is (as a new handle).
    /// </summary>
    /// <param name="image"><c>uint8 [3,H,W]</c> or <c>[4,H,W]</c>.</param>
    /// <returns>The view to preprocess; the caller owns it.</returns>
    public static Tensor ScoringView(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.dim() == 3 && image.shape[0] == 4 && image.dtype == ScalarType.Byte)
        {
            using Tensor alpha = image.select(0, 3);
            return WhiteBackground(image, alpha);
        }

        return image.alias();
    }

    // Shorter side to ShortestEdge, the longer one truncated proportionally; width pass, then height pass, each
    // rounded and clamped to 8 bits like PIL.
    internal Tensor Resize(Tensor image)
    {
        long height = image.shape[2], width = image.shape[3];
        long shortSide = Math.Min(height, width), longSide = Math.Max(height, width);
        long newShort = Options.ShortestEdge;
        long newLong = (long)Math.Floor((double)newShort * longSide / shortSide);
        long newHeight = height <= width ? newShort : newLong;
        long newWidth = height <= width ? newLong : newShort;
        Tensor x = image;
        if (newWidth != width)
        {
            x = nn.functional.interpolate(x, [height, newWidth], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true)
                .round_().clamp_(0, 255);
        }

        if (newHeight != height)
        {
            x = nn.functional.interpolate(x, [newHeight, newWidth], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true)
                .round_().clamp_(0, 255);
        }

        return x;
    }

    private Tensor CenterCrop(Tensor image)
    {
        long size = Options.CropSize;
        long top = (image.shape[2] - size) / 2, left = (image.shape[3] - size) / 2;
        return image.narrow(2, top, size).narrow(3, left, size);
    }
}
