using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Tests.Masks;

public sealed class MaskBoxesTests
{
    [Fact]
    public void Tight_boxes_use_pixel_edges_and_empty_masks_get_no_box()
    {
        using var scope = NewDisposeScope();
        Tensor masks = zeros(3, 6, 8, ScalarType.Bool);
        masks[0, 1, 2] = tensor(true);
        masks[0, 4, 5] = tensor(true);
        masks[2] = ones(6, 8, ScalarType.Bool);

        var (boxes, nonEmpty) = MaskBoxes.TightBoxes(masks);

        Assert.Equal(new float[] { 2, 1, 6, 5, 0, 0, 0, 0, 0, 0, 8, 6 }, boxes.data<float>().ToArray());
        Assert.Equal(new[] { true, false, true }, nonEmpty.data<bool>().ToArray());
    }

    [Fact]
    public void Box_of_random_masks_contains_every_set_pixel_and_touches_each_side()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        Tensor masks = rand(new long[] { 16, 9, 11 }, generator: generator).lt(0.05);
        var (boxes, nonEmpty) = MaskBoxes.TightBoxes(masks);
        float[] b = boxes.data<float>().ToArray();
        bool[] m = masks.data<bool>().ToArray();
        bool[] ne = nonEmpty.data<bool>().ToArray();
        for (int n = 0; n < 16; n++)
        {
            int minX = int.MaxValue, minY = int.MaxValue, maxX = -1, maxY = -1;
            for (int yy = 0; yy < 9; yy++)
            {
                for (int xx = 0; xx < 11; xx++)
                {
                    if (m[(n * 9 + yy) * 11 + xx])
                    {
                        minX = Math.Min(minX, xx); minY = Math.Min(minY, yy);
                        maxX = Math.Max(maxX, xx); maxY = Math.Max(maxY, yy);
                    }
                }
            }

            Assert.Equal(maxX >= 0, ne[n]);
            float[] expected = maxX >= 0 ? [minX, minY, maxX + 1, maxY + 1] : [0, 0, 0, 0];
            Assert.Equal(expected, b.AsSpan(n * 4, 4).ToArray());
        }
    }
}
