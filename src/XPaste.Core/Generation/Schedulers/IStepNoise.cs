using TorchSharp;
using static TorchSharp.torch;

namespace XPaste.Generation.Schedulers;

/// <summary>Source of the fresh noise that ancestral samplers add at each step.</summary>
public interface IStepNoise
{
    /// <summary>Standard normal noise of <paramref name="shape"/> (the batch first) in <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    Tensor Draw(long[] shape, ScalarType dtype, Device device);
}
