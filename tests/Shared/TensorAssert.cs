using static TorchSharp.torch;

namespace XPaste.Tests;

/// <summary>Whole-tensor assertions (TorchSharp's <c>Tensor.equal</c> is element-wise, not a predicate).</summary>
internal static class TensorAssert
{
    /// <summary>Same shape, dtype-compatible values, every element equal; the message shows the first difference.</summary>
    public static void Equal(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        using Tensor same = expected.to(actual.device).eq(actual);
        if (same.all().item<bool>())
        {
            return;
        }

        using Tensor where = same.logical_not().nonzero();
        long[] first = where[0].data<long>().ToArray();
        using Tensor e = expected.to(CPU).to(ScalarType.Float64);
        using Tensor a = actual.to(CPU).to(ScalarType.Float64);
        double ev = e[first.Select(i => TensorIndex.Single(i)).ToArray()].item<double>();
        double av = a[first.Select(i => TensorIndex.Single(i)).ToArray()].item<double>();
        Assert.Fail($"{where.shape[0]} element(s) differ; first at [{string.Join(",", first)}]: expected {ev}, actual {av}");
    }

    /// <summary>Same shape and max |expected - actual| within <paramref name="tolerance"/>.</summary>
    public static void Close(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        using Tensor diff = (expected.to(CPU).to(ScalarType.Float64) - actual.to(CPU).to(ScalarType.Float64)).abs();
        double max = diff.numel() == 0 ? 0 : diff.max().item<double>();
        Assert.True(max <= tolerance, $"max abs difference {max} exceeds {tolerance}");
    }
}
