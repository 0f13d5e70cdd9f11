using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// Large scale jitter as a composable transform: <see cref="Plan"/> draws the parameters, <see cref="Apply(AnnotatedImage, JitterPlan)"/> resizes,
/// crops or pads and flips an image and its masks with the same geometry (pixels bilinear, masks nearest). Objects
/// keep their order and count; one that leaves the window keeps an empty mask (the paste kernel drops it; boxes
/// come from the masks, e.g. <see cref="XPaste.Masks.MaskBoxes.TightBoxes"/>). Stateless and thread-safe.
/// </summary>
public sealed class LargeScaleJitter
{
    /// <summary>Creates the transform.</summary>
    /// <param name="options">The settings; defaults match the reference (0.1-2.0, 640, flip 0.5).</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public LargeScaleJitter(LargeScaleJitterOptions? options = null)
    {
        Options = options ?? new LargeScaleJitterOptions();
        OptionsValidation.ThrowIfInvalid(new LargeScaleJitterOptionsValidator(), Options);
    }

    /// <summary>The settings.</summary>
    public LargeScaleJitterOptions Options { get; }

    /// <summary>Draws a plan for an image of the given size (as the reference: the scale is relative to the output size).</summary>
    /// <param name="width">The image's width.</param>
    /// <param name="height">The image's height.</param>
    /// <param name="random">The sample's random numbers.</param>
    /// <returns>The plan.</returns>
    public JitterPlan Plan(int width, int height, PasteRandom random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentNullException.ThrowIfNull(random);
        LargeScaleJitterOptions o = Options;
        double factor = random.NextUniform(o.MinScale, o.MaxScale);
        double scale = Math.Min(factor * o.OutputHeight / height, factor * o.OutputWidth / width);
        int scaledH = Math.Max(1, (int)(height * scale));
        int scaledW = Math.Max(1, (int)(width * scale));
        int cropY = (int)(Math.Max(0, scaledH - o.OutputHeight) * random.NextDouble());
        int cropX = (int)(Math.Max(0, scaledW - o.OutputWidth) * random.NextDouble());
        bool flip = random.NextBool(o.FlipProbability);
        return new JitterPlan(width, height, scaledW, scaledH, cropX, cropY, o.OutputWidth, o.OutputHeight, flip);
    }

    /// <summary>Applies a plan with this transform's antialias and padding settings.</summary>
    /// <param name="image">The image and its objects, on any device.</param>
    /// <param name="plan">A plan drawn for an image of this size (by any jitter: the plan holds the whole geometry).</param>
    /// <returns>A new image of the plan's output size on the same device, with the same objects in the same order; the caller owns it.</returns>
    /// <exception cref="ArgumentException">The plan was drawn for another size.</exception>
    public AnnotatedImage Apply(AnnotatedImage image, JitterPlan plan) => Apply(image, plan, Options.Antialias, Options.PadValue);

    internal static AnnotatedImage Apply(AnnotatedImage image, JitterPlan plan, bool antialias, int padValue)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.SourceWidth != image.Width || plan.SourceHeight != image.Height)
        {
            throw new ArgumentException($"{image.Id}: the jitter plan is for a {plan.SourceWidth}x{plan.SourceHeight} image, this one is {image.Width}x{image.Height}", nameof(plan));
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        bool resize = plan.ScaledWidth != image.Width || plan.ScaledHeight != image.Height;
        int keptW = Math.Max(0, Math.Min(plan.OutputWidth, plan.ScaledWidth - plan.CropX));
        int keptH = Math.Max(0, Math.Min(plan.OutputHeight, plan.ScaledHeight - plan.CropY));
        int n = image.Labels.Count;
        Device device = image.Image.device;

        Tensor pixels = image.Image;
        Tensor masks = image.Masks;
        if (resize)
        {
            Tensor f = pixels.to(ScalarType.Float32).unsqueeze(0);
            bool shrinking = plan.ScaledWidth < image.Width || plan.ScaledHeight < image.Height;
            f = nn.functional.interpolate(f, [plan.ScaledHeight, plan.ScaledWidth], mode: InterpolationMode.Bilinear, align_corners: false, antialias: antialias && shrinking);
            pixels = f.round().clamp(0, 255).to(ScalarType.Byte)[0];
            if (n > 0)
            {
                masks = nn.functional.interpolate(masks.to(ScalarType.Byte).unsqueeze(0), [plan.ScaledHeight, plan.ScaledWidth], mode: InterpolationMode.Nearest)[0].ne(0);
            }
        }

        Tensor outImage = full([3, plan.OutputHeight, plan.OutputWidth], padValue, ScalarType.Byte, device);
        Tensor outMasks = zeros([n, plan.OutputHeight, plan.OutputWidth], ScalarType.Bool, device);
        if (keptW > 0 && keptH > 0)
        {
            Tensor cropPixels = pixels.narrow(1, plan.CropY, keptH).narrow(2, plan.CropX, keptW);
            outImage.narrow(1, 0, keptH).narrow(2, 0, keptW).copy_(plan.Flip ? cropPixels.flip(2) : cropPixels);
            if (n > 0)
            {
                Tensor cropMasks = masks.narrow(1, plan.CropY, keptH).narrow(2, plan.CropX, keptW);
                outMasks.narrow(1, 0, keptH).narrow(2, 0, keptW).copy_(plan.Flip ? cropMasks.flip(2) : cropMasks);
            }
        }

        outImage.MoveToOuterDisposeScope();
        outMasks.MoveToOuterDisposeScope();
        return new AnnotatedImage(image.Id, outImage, outMasks, image.Labels, image.IsPasted);
    }
}
