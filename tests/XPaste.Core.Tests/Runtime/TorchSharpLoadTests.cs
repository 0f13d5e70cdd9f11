using TorchSharp;
using static TorchSharp.torch;

namespace XPaste.Tests.Runtime;

/// <summary>The native backend loads on this machine (the build's libstdc++ fix, where needed) and computes.</summary>
public sealed class TorchSharpLoadTests
{
    [Fact]
    public void Backend_loads_and_multiplies_matrices()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        var b = tensor(new float[] { 5, 6, 7, 8 }, 2, 2);
        float[] product = matmul(a, b).data<float>().ToArray();
        Assert.Equal(new float[] { 19, 22, 43, 50 }, product);
    }
}
