using XPaste.Abstractions;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// A segmenter that needs no weights, for images of one object on a plain background (what the prompt
/// <c>a photo of a single {name}</c> tends to produce): it learns the background colour from a strip along the
/// border (robustly, as a colour or a linear gradient), marks pixels whose colour is far from it as foreground
/// with a soft 0-255 ramp, and cleans the result with a morphological opening and closing. Tensor ops only, on
/// the images' device.
/// </summary>
public sealed class PlainBackgroundExtractor : IInstanceExtractor
{
    private readonly PlainBackgroundOptions _options;

    /// <summary>Creates the extractor.</summary>
    /// <param name="options">Thresholds and clean-up; <see cref="PlainBackgroundOptions.Default"/> when null.</param>
    public PlainBackgroundExtractor(PlainBackgroundOptions? options = null)
    {
        _options = options ?? PlainBackgroundOptions.Default;
        _options.Validate();
    }

    /// <summary>Always <c>plain</c>.</summary>
    public string Name => "plain";

    /// <inheritdoc />
    /// <remarks>Weight-free and category-blind: the categories are checked (one per image) but do not change the masks.
    /// Cancellation is checked between images.</remarks>
    public IReadOnlyList<Tensor> Extract(IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ExtractionChecks.ValidateImages(images, nameof(images));
        ExtractionChecks.ValidateCategories(images, categories, nameof(categories));
        var masks = new List<Tensor>(images.Count);
        try
        {
            foreach (Tensor image in images)
            {
                cancellationToken.ThrowIfCancellationRequested();
                masks.Add(Extract(image).DetachFromDisposeScope());
            }
        }
        catch
        {
            foreach (Tensor mask in masks)
            {
                mask.Dispose();
            }

            throw;
        }

        return masks;
    }

    /// <summary>Segments one <c>uint8</c> <c>[3,H,W]</c> image into a <c>uint8</c> <c>[H,W]</c> 0-255 mask.</summary>
    internal Tensor Extract(Tensor image)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long h = image.shape[1], w = image.shape[2];
        Device device = image.device;
        Tensor raw = image.narrow(0, 0, 3).to(ScalarType.Float32).unsqueeze(0); // [1,3,H,W]
        Tensor rgb = raw;
        if (_options.SmoothingRadius > 0)
        {
            long r = _options.SmoothingRadius;
            rgb = nn.functional.avg_pool2d(raw, new[] { 2 * r + 1, 2 * r + 1 }, new long[] { 1, 1 }, new[] { r, r }, count_include_pad: false);
        }

        Tensor pixels = rgb[0].permute(1, 2, 0).reshape(-1, 3); // [H*W,3]

        // Design matrix [1, u, v] with u, v in [-1, 1], so the fit is well conditioned at any image size.
        Tensor v = linspace(-1, 1, h, ScalarType.Float32, device).view(h, 1).expand(h, w);
        Tensor u = linspace(-1, 1, w, ScalarType.Float32, device).view(1, w).expand(h, w);
        Tensor design = stack(new[] { ones(h, w, ScalarType.Float32, device), u, v }, 2).reshape(-1, 3); // [H*W,3]

        Tensor border = BorderMask(h, w, device).reshape(-1);
        Tensor borderIndex = border.nonzero().squeeze(1);
        Tensor borderPixels = pixels.index_select(0, borderIndex);
        Tensor borderDesign = design.index_select(0, borderIndex);

        Tensor coefficients = FitBackground(borderPixels, borderDesign); // [3 (1,u,v), 3 (rgb)]
        Tensor borderDistance = borderPixels.sub(borderDesign.matmul(coefficients)).norm(1);
        float noise = borderDistance.median().item<float>();
        float low = Math.Max(_options.MinDistance, _options.NoiseFactor * noise);

        Tensor backgroundColour = design.matmul(coefficients);
        Tensor alpha = Ramp(pixels.sub(backgroundColour).norm(1), low).view(1, 1, h, w);
        if (_options.SmoothingRadius > 0)
        {
            // The blurred distance silences noise but spreads every edge outwards by the blur radius; requiring the
            // pixel's own colour to be far from the background as well takes that spread back.
            Tensor own = Ramp(raw[0].permute(1, 2, 0).reshape(-1, 3).sub(backgroundColour).norm(1), low).view(1, 1, h, w);
            alpha = minimum(alpha, own);
        }

        alpha = Open(alpha, _options.OpenRadius);
        alpha = Close(alpha, _options.CloseRadius);
        return alpha.view(h, w).mul(255f).round_().to(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Starts from the border's per-channel median colour, then (for a gradient) refits a plane by least squares
    /// to the <see cref="PlainBackgroundOptions.InlierFraction"/> of border pixels closest to the previous fit.
    /// </summary>
    private Tensor FitBackground(Tensor borderPixels, Tensor borderDesign)
    {
        Device device = borderPixels.device;
        long n = borderPixels.shape[0];
        // torch.median's lower median, per channel.
        Tensor median = borderPixels.kthvalue((n + 1) / 2, 0).values; // [3]
        Tensor coefficients = cat(new[] { median.unsqueeze(0), zeros(2, 3, ScalarType.Float32, device) }, 0);
        long keep = Math.Max(1, (long)Math.Ceiling(_options.InlierFraction * n));
        for (int i = 0; i < _options.FitIterations; i++)
        {
            Tensor distance = borderPixels.sub(borderDesign.matmul(coefficients)).norm(1);
            Tensor cutoff = distance.kthvalue(keep, 0).values;
            Tensor weight = distance.le(cutoff).to(ScalarType.Float32).unsqueeze(1); // [N,1]
            if (_options.FitGradient)
            {
                Tensor weighted = borderDesign.mul(weight);
                Tensor normal = weighted.t().matmul(borderDesign).add_(eye(3, dtype: ScalarType.Float32, device: device).mul_(1e-6f));
                coefficients = linalg.solve(normal, weighted.t().matmul(borderPixels));
            }
            else
            {
                // The mean colour of the inliers: robust like the median, smoother than it.
                Tensor mean = borderPixels.mul(weight).sum(dim: 0L).div_(weight.sum().clamp_min(1f));
                coefficients = cat(new[] { mean.unsqueeze(0), zeros(2, 3, ScalarType.Float32, device) }, 0);
            }
        }

        return coefficients;
    }

    private Tensor Ramp(Tensor distance, float low) => distance.sub(low).div_(_options.RampWidth).clamp_(0f, 1f);

    private Tensor BorderMask(long h, long w, Device device)
    {
        long strip = Math.Max(_options.MinBorderPixels, (long)Math.Round(_options.BorderFraction * Math.Min(h, w)));
        Tensor rows = arange(h, ScalarType.Int64, device);
        Tensor cols = arange(w, ScalarType.Int64, device);
        Tensor rowBorder = rows.lt(strip).logical_or_(rows.ge(h - strip)).view(h, 1);
        Tensor colBorder = cols.lt(strip).logical_or_(cols.ge(w - strip)).view(1, w);
        return rowBorder.logical_or(colBorder);
    }

    internal static Tensor Dilate(Tensor x, int radius) =>
        radius == 0 ? x : nn.functional.max_pool2d(x, 2 * radius + 1, stride: 1, padding: radius);

    internal static Tensor Erode(Tensor x, int radius) =>
        radius == 0 ? x : nn.functional.max_pool2d(x.neg(), 2 * radius + 1, stride: 1, padding: radius).neg_();

    internal static Tensor Open(Tensor x, int radius) => Dilate(Erode(x, radius), radius);

    internal static Tensor Close(Tensor x, int radius) => Erode(Dilate(x, radius), radius);
}
