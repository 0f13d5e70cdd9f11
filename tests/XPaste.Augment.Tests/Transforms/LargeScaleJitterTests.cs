using XPaste.Augment;
using XPaste.Tests.Kernel;
using static TorchSharp.torch;

namespace XPaste.Tests.Transforms;

public sealed class LargeScaleJitterTests
{
    [Fact]
    public void Plans_follow_the_reference_geometry()
    {
        var jitter = new LargeScaleJitter(new LargeScaleJitterOptions { OutputWidth = 640, OutputHeight = 640 });
        var random = new PasteRandom(5);
        int flips = 0;
        for (int i = 0; i < 2000; i++)
        {
            JitterPlan p = jitter.Plan(800, 600, random);
            // The longer side is scaled to factor x 640 with factor in [0.1, 2].
            double scale = p.ScaledWidth / 800.0;
            Assert.InRange(scale, (0.1 * 640 / 800) - 0.01, (2.0 * 640 / 800) + 0.01);
            Assert.Equal((int)(600 * scale), p.ScaledHeight, 1.0);
            Assert.InRange(p.CropX, 0, Math.Max(0, p.ScaledWidth - 640));
            Assert.InRange(p.CropY, 0, Math.Max(0, p.ScaledHeight - 640));
            flips += p.Flip ? 1 : 0;
        }

        Assert.InRange(flips, 850, 1150);
    }

    [Fact]
    public void Apply_scales_crops_flips_and_pads_masks_exactly()
    {
        using var scope = NewDisposeScope();
        // 4x4 image, one object covering the 2x2 block at rows 1-2, columns 0-1.
        Tensor image = arange(48, ScalarType.Int64).to(ScalarType.Byte).view(3, 4, 4);
        using var src = new AnnotatedImage("a", image, T.Rect(4, 4, 0, 1, 2, 3).unsqueeze(0), [3]);
        // Scale 2 -> 8x8 (the object becomes rows 2-5, columns 0-3), window 6 wide x 5 high at (1, 2), then flipped.
        var plan = new JitterPlan(4, 4, 8, 8, 1, 2, 6, 5, Flip: true);
        using AnnotatedImage outImage = new LargeScaleJitter().Apply(src, plan);
        Assert.Equal(new long[] { 3, 5, 6 }, outImage.Image.shape);
        bool[] mask = T.ToBools(outImage.Masks[0]);
        for (int y = 0; y < 5; y++)
        {
            for (int x = 0; x < 6; x++)
            {
                // Before the flip: window column c = x covers scaled column c + 1; the object spans scaled cols 0-3, rows 2-5.
                int unflippedX = 5 - x;
                bool expected = unflippedX + 1 <= 3 && y + 2 is >= 2 and <= 5;
                Assert.Equal(expected, mask[(y * 6) + x]);
            }
        }

        Assert.Equal([3L], outImage.Labels);
    }

    [Fact]
    public void Apply_pads_the_bottom_and_right_and_empties_objects_that_leave_the_window()
    {
        using var scope = NewDisposeScope();
        Tensor image = full([3, 10, 10], 200, ScalarType.Byte);
        Tensor masks = stack([T.Rect(10, 10, 0, 0, 3, 3), T.Rect(10, 10, 7, 7, 10, 10)], 0);
        using var src = new AnnotatedImage("a", image, masks, [1, 2]);
        // Half size (5x5) into a 8x8 output, flipped: the first object goes to the top-right of the 5x5 block.
        using AnnotatedImage outImage = LargeScaleJitter.Apply(src, new JitterPlan(10, 10, 5, 5, 0, 0, 8, 8, true), antialias: true, padValue: 7);
        byte[] red = T.ToBytes(outImage.Image[0]);
        Assert.Equal(200, red[(4 * 8) + 4]);
        Assert.Equal(7, red[(4 * 8) + 5]);
        Assert.Equal(7, red[(5 * 8) + 0]);
        (Tensor boxes, Tensor nonEmpty) = XPaste.Masks.MaskBoxes.TightBoxes(outImage.Masks);
        Assert.Equal([true, true], T.ToBools(nonEmpty));
        Assert.Equal([3f, 0f, 5f, 2f], T.ToFloats(boxes[0]));

        // A window away from the second object empties it but keeps the object count.
        using AnnotatedImage cropped = LargeScaleJitter.Apply(src, new JitterPlan(10, 10, 10, 10, 0, 0, 5, 5, false), true, 0);
        Assert.Equal(2, cropped.Labels.Count);
        Assert.Equal([9L, 0L], T.ToLongs(cropped.Masks.sum([1, 2])));
    }

    [Fact]
    public void Images_without_objects_are_scaled_and_cropped_too()
    {
        using var scope = NewDisposeScope();
        Tensor image = arange(3 * 20 * 20, ScalarType.Int64).remainder(251).to(ScalarType.Byte).view(3, 20, 20);
        using var src = new AnnotatedImage("empty", image, zeros([0, 20, 20], ScalarType.Bool), []);
        using AnnotatedImage outImage = new LargeScaleJitter().Apply(src, new JitterPlan(20, 20, 40, 40, 15, 12, 16, 16, false));
        Assert.Equal(new long[] { 3, 16, 16 }, outImage.Image.shape);
        Assert.Equal(new long[] { 0, 16, 16 }, outImage.Masks.shape);
    }

    [Fact]
    public void A_plan_for_another_size_is_rejected()
    {
        using var scope = NewDisposeScope();
        using var src = new AnnotatedImage("a", full([3, 10, 10], 1, ScalarType.Byte), zeros([0, 10, 10], ScalarType.Bool), []);
        Assert.Throws<ArgumentException>(() => new LargeScaleJitter().Apply(src, JitterPlan.Identity(11, 10, 5, 5)));
    }
}
