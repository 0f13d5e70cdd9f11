using XPaste.Imaging;
using static TorchSharp.torch;

namespace XPaste.Tests.Imaging;

public sealed class InstanceOverlayTests
{
    [Fact]
    public void Masks_blend_later_instance_on_top_boxes_are_opaque_outlines_and_the_rest_is_untouched()
    {
        using var scope = NewDisposeScope();
        Tensor image = full(new long[] { 3, 20, 30 }, 100, ScalarType.Byte);
        Tensor masks = zeros(2, 20, 30, ScalarType.Bool);
        masks[0, TensorIndex.Slice(2, 10), TensorIndex.Slice(2, 12)] = tensor(true);
        masks[1, TensorIndex.Slice(6, 14), TensorIndex.Slice(8, 20)] = tensor(true);
        Tensor boxes = tensor(new float[] { 0, 0, 0, 0, 20, 12, 28, 19 }, [2, 4]);

        Tensor drawn = InstanceOverlay.Draw(image, masks, boxes, new InstanceOverlayOptions { MaskOpacity = 0.5, BoxThickness = 1 });

        Assert.Equal(ScalarType.Byte, drawn.dtype);
        Assert.Equal(new long[] { 3, 20, 30 }, drawn.shape);
        byte[] onlyFirst = Pixel(drawn, 3, 3), onlySecond = Pixel(drawn, 13, 18), both = Pixel(drawn, 7, 10);
        Assert.Equal(new byte[] { 100, 100, 100 }, Pixel(drawn, 0, 29));
        Assert.NotEqual(onlyFirst, onlySecond);
        Assert.Equal(onlySecond, both);
        Assert.NotEqual(new byte[] { 100, 100, 100 }, onlyFirst);

        // Box 1 outline (x 20..27, y 12..18), one pixel thick, in instance 1's full colour; its inside untouched.
        byte[] edge = Pixel(drawn, 12, 24);
        Assert.Equal(edge, Pixel(drawn, 18, 27));
        Assert.Equal(new byte[] { 100, 100, 100 }, Pixel(drawn, 15, 24));
        for (int c = 0; c < 3; c++)
        {
            // Half-opacity blend of the constant 100 with the same colour.
            Assert.InRange(onlySecond[c], (int)Math.Floor((100 + edge[c]) / 2.0) - 1, (int)Math.Ceiling((100 + edge[c]) / 2.0) + 1);
        }

        // Box 0 is empty: nothing drawn at its corner beyond the mask.
        Assert.Equal(new byte[] { 100, 100, 100 }, Pixel(drawn, 0, 0));
    }

    [Fact]
    public void No_instances_returns_the_rgb_image()
    {
        using var scope = NewDisposeScope();
        Tensor image = randint(0, 255, [4, 5, 6]).to(ScalarType.Byte);

        Tensor drawn = InstanceOverlay.Draw(image, zeros(0, 5, 6, ScalarType.Bool));

        Assert.True(drawn.eq(image.narrow(0, 0, 3)).all().item<bool>());
    }

    private static byte[] Pixel(Tensor image, int y, int x) => image[.., y, x].contiguous().data<byte>().ToArray();
}
