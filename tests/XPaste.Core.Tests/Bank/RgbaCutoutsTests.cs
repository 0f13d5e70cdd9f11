using XPaste.Bank;
using static TorchSharp.torch;

namespace XPaste.Tests.Bank;

public sealed class RgbaCutoutsTests
{
    [Fact]
    public void Cut_out_is_the_tight_box_with_the_mask_as_alpha_and_nothing_else()
    {
        using var scope = NewDisposeScope();
        Tensor image = arange(3 * 5 * 6, ScalarType.Int32).remainder(251).to(ScalarType.Byte).reshape(3, 5, 6);
        Tensor mask = zeros(5, 6, ScalarType.Byte);
        mask[1, 2] = tensor((byte)255);
        mask[3, 4] = tensor((byte)200);
        mask[2, 3] = tensor((byte)128); // not above the threshold
        mask[0, 0] = tensor((byte)100); // not above the threshold

        Tensor rgba = RgbaCutouts.FromMask(image, mask)!;

        Assert.Equal(new long[] { 4, 3, 3 }, rgba.shape); // rows 1..3, columns 2..4
        byte[] got = rgba.data<byte>().ToArray();
        byte[] src = image.data<byte>().ToArray();
        for (int y = 0; y < 3; y++)
        {
            for (int x = 0; x < 3; x++)
            {
                bool inside = (y, x) is (0, 0) or (2, 2);
                Assert.Equal(inside ? 255 : 0, got[(3 * 3 * 3) + (y * 3) + x]);
                for (int c = 0; c < 3; c++)
                {
                    int expected = inside ? src[(c * 30) + ((y + 1) * 6) + x + 2] : 0;
                    Assert.Equal(expected, got[(c * 9) + (y * 3) + x]);
                }
            }
        }
    }

    [Fact]
    public void An_empty_mask_gives_no_cut_out_and_bad_shapes_are_refused()
    {
        using var scope = NewDisposeScope();
        Tensor image = zeros(4, 5, 6, ScalarType.Byte);
        Assert.Null(RgbaCutouts.FromMask(image, full(5, 6, 128, ScalarType.Byte)));
        Assert.NotNull(RgbaCutouts.FromMask(image, full(5, 6, 128, ScalarType.Byte), threshold: 127));
        Assert.Throws<ArgumentException>(() => RgbaCutouts.FromMask(image, zeros(6, 5, ScalarType.Byte)));
        Assert.Throws<ArgumentException>(() => RgbaCutouts.FromMask(zeros(2, 5, 6, ScalarType.Byte), zeros(5, 6, ScalarType.Byte)));
    }
}
