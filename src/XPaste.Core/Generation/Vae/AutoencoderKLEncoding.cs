using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>The posterior of <see cref="AutoencoderKL.Encode"/>: a diagonal Gaussian per latent. Owns its tensors.</summary>
public sealed class AutoencoderKLEncoding : IDisposable
{
    internal AutoencoderKLEncoding(Tensor mean, Tensor logVar)
    {
        Mean = mean;
        LogVar = logVar;
    }

    /// <summary>The mean <c>[B,latent,h,w]</c>.</summary>
    public Tensor Mean { get; }

    /// <summary>The log-variance, clamped to [-30, 20].</summary>
    public Tensor LogVar { get; }

    /// <summary>A sample <c>mean + exp(logvar / 2) * noise</c> with noise from <paramref name="generator"/> (on the CPU, then moved).</summary>
    /// <param name="generator">The random source; the global one when null.</param>
    /// <returns>The sample (before <see cref="AutoencoderKLConfig.ScalingFactor"/>).</returns>
    public Tensor Sample(Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        Tensor noise = randn(Mean.shape, ScalarType.Float32, CPU, generator: generator).to(Mean.dtype, Mean.device);
        return (Mean + (LogVar * 0.5).exp() * noise).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Mean.Dispose();
        LogVar.Dispose();
    }
}
