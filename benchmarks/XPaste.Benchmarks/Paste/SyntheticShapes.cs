using XPaste.Augment;
using static TorchSharp.torch;

namespace XPaste.Benchmarks.Paste;

/// <summary>
/// The synthetic pixels and masks of the paste workloads (W1, the online benchmark, the GPU check's W1), made from a
/// seeded <see cref="PasteRandom"/> so every run builds the same workload. Also compiled into samples/XPaste.GpuCheck.
/// </summary>
internal static class SyntheticShapes
{
    /// <summary>A deterministic byte texture <c>[channels,h,w]</c>.</summary>
    public static Tensor Texture(int channels, int h, int w, PasteRandom random) =>
        arange((long)channels * h * w, ScalarType.Int64).mul(random.NextInt(3, 997)).add(random.NextInt(256)).remainder(256).to(ScalarType.Byte).view(channels, h, w);

    /// <summary>A filled ellipse <c>[h,w]</c> bool mask.</summary>
    public static Tensor Ellipse(int h, int w, double cx, double cy, double rx, double ry)
    {
        using var scope = NewDisposeScope();
        Tensor y = arange(h, ScalarType.Float32).view(-1, 1).sub(cy).div(ry).square();
        Tensor x = arange(w, ScalarType.Float32).view(1, -1).sub(cx).div(rx).square();
        return x.add(y).le(1).MoveToOuterDisposeScope();
    }
}
