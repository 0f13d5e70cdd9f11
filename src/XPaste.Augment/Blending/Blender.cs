using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>Pixel compositing inside one pasted region.</summary>
internal static class Blender
{
    private static readonly float[] LumaWeights = [0.299f, 0.587f, 0.114f];

    /// <summary>Composites into <paramref name="destination"/> in place.</summary>
    /// <param name="destination"><c>uint8</c> <c>[3,h,w]</c> view into the destination image.</param>
    /// <param name="rgb">float32 <c>[3,h,w]</c> pasted colours, 0-255.</param>
    /// <param name="alpha">float32 <c>[h,w]</c> opacity in [0,1]; null for hard blending.</param>
    /// <param name="union">bool <c>[h,w]</c>: where hard blending draws.</param>
    public static void Composite(Tensor destination, Tensor rgb, Tensor? alpha, Tensor union)
    {
        using var scope = NewDisposeScope();
        if (alpha is null)
        {
            destination.copy_(where(union, rgb.to(ScalarType.Byte), destination));
            return;
        }

        Tensor d = destination.to(ScalarType.Float32);
        Tensor blended = d.mul(alpha.neg().add(1)).add(rgb.mul(alpha));
        destination.copy_(blended.round().clamp(0, 255).to(ScalarType.Byte));
    }

    /// <summary>A separable Gaussian blur of a 2-D map with zero padding, same size out.</summary>
    /// <param name="map">float32 <c>[h,w]</c>.</param>
    /// <param name="sigma">Standard deviation in pixels.</param>
    /// <param name="radius">Half the kernel size.</param>
    public static Tensor GaussianBlur(Tensor map, double sigma, int radius)
    {
        using var scope = NewDisposeScope();
        var weights = new float[(2 * radius) + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++)
        {
            sum += weights[i + radius] = (float)Math.Exp(-(i * i) / (2 * sigma * sigma));
        }

        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(weights[i] / sum);
        }

        Tensor k = tensor(weights, device: map.device);
        Tensor x = map.unsqueeze(0).unsqueeze(0);
        x = nn.functional.conv2d(x, k.view(1, 1, 1, -1), padding: [0, radius]);
        x = nn.functional.conv2d(x, k.view(1, 1, -1, 1), padding: [radius, 0]);
        return x[0, 0].clamp(0, 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Moves the pasted pixels' luminance mean and spread (over <paramref name="union"/>) towards the destination region's.
    /// Computed with tensor reductions: no host round trip.
    /// </summary>
    /// <returns>float32 <c>[3,h,w]</c> adjusted colours, 0-255, integral.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public static Tensor MatchPhotometry(Tensor rgb, Tensor union, Tensor destination, PhotometricMatchingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var scope = NewDisposeScope();
        Tensor weights = tensor(LumaWeights, device: rgb.device).view(3, 1, 1);
        Tensor m = union.to(ScalarType.Float32);
        Tensor count = m.sum().clamp_min(1);
        Tensor lumS = rgb.mul(weights).sum(dim: 0);
        Tensor meanS = lumS.mul(m).sum().div(count);
        Tensor stdS = lumS.sub(meanS).square().mul(m).sum().div(count).sqrt();
        Tensor lumD = destination.to(ScalarType.Float32).mul(weights).sum(dim: 0);
        Tensor meanD = lumD.mean();
        Tensor stdD = lumD.std(unbiased: false);
        double t = options.Strength;
        Tensor gain = stdD.div(stdS.clamp_min(1e-3)).clamp(options.MinGain, options.MaxGain).pow(t);
        Tensor targetMean = meanS.add(meanD.sub(meanS).mul(t));
        Tensor adjusted = rgb.sub(meanS).mul(gain).add(targetMean);
        return adjusted.round().clamp(0, 255).MoveToOuterDisposeScope();
    }
}
