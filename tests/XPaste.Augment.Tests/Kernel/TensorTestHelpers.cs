using XPaste.Augment;
using static TorchSharp.torch;

namespace XPaste.Tests;

/// <summary>Kernel inputs and output checks (the general tensor builders and readers are in tests/Shared).</summary>
internal static partial class T
{
    public static AnnotatedImage Destination(int h, int w, params (Tensor Mask, long Label)[] objects)
    {
        Tensor image = full([3, h, w], 10, ScalarType.Byte);
        Tensor masks = objects.Length == 0 ? zeros([0, h, w], ScalarType.Bool) : stack(objects.Select(o => o.Mask), 0);
        return new AnnotatedImage("dst", image, masks, [.. objects.Select(o => o.Label)]);
    }

    /// <summary>Checks the invariants every kernel output must satisfy.</summary>
    public static void AssertConsistent(PasteTargets t, long h, long w)
    {
        int n = t.Count;
        Assert.Equal(new long[] { n, h, w }, t.Masks.shape);
        Assert.Equal(ScalarType.Bool, t.Masks.dtype);
        Assert.Equal(new long[] { n, 4 }, t.Boxes.shape);
        Assert.Equal(ScalarType.Float32, t.Boxes.dtype);
        Assert.Equal(new long[] { n }, t.Labels.shape);
        Assert.Equal(ScalarType.Int64, t.Labels.dtype);
        Assert.Equal(new long[] { n }, t.Areas.shape);
        Assert.Equal(new long[] { n }, t.IsPasted.shape);
        Assert.Equal(ScalarType.Bool, t.IsPasted.dtype);
        if (n == 0)
        {
            return;
        }

        long[] areas = ToLongs(t.Areas);
        Assert.Equal(ToLongs(t.Masks.sum([1, 2])), areas);
        Assert.All(areas, a => Assert.True(a > 0, "empty mask in the output"));
        (Tensor tight, Tensor nonEmpty) = XPaste.Masks.MaskBoxes.TightBoxes(t.Masks);
        Assert.Equal(ToFloats(tight), ToFloats(t.Boxes));
        Assert.All(ToBools(nonEmpty), Assert.True);
    }
}
