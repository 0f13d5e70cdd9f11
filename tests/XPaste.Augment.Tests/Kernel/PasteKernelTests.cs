using XPaste.Augment;
using static TorchSharp.torch;

namespace XPaste.Tests.Kernel;

public sealed class PasteKernelTests
{
    // A 3x3 instance: red = 100 + index, green = 50 + index, blue = 200 - index; alpha chosen around the threshold.
    private static readonly byte[] Alpha3 = [255, 0, 200, 129, 128, 255, 0, 255, 255];

    private static Tensor Instance3x3()
    {
        var data = new byte[4 * 9];
        for (int i = 0; i < 9; i++)
        {
            data[i] = (byte)(100 + i);
            data[9 + i] = (byte)(50 + i);
            data[18 + i] = (byte)(200 - i);
            data[27 + i] = Alpha3[i];
        }

        return T.Bytes(data, 4, 3, 3);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Hard_blending_replaces_exactly_the_pixels_with_alpha_above_128(bool flip)
    {
        using var scope = NewDisposeScope();
        using AnnotatedImage dst = T.Destination(8, 8);
        var kernel = new PasteKernel(new PasteKernelOptions { AlphaThreshold = 128 });
        using PasteBatch result = kernel.Run([dst], [[PasteSource.Instance(Instance3x3(), 7, x: 2, y: 3, width: 3, height: 3, flip: flip)]]);

        byte[] image = T.ToBytes(result.Images[0]);
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < 8; y++)
            {
                for (int x = 0; x < 8; x++)
                {
                    byte expected = 10;
                    int iy = y - 3, ix = x - 2;
                    if (iy is >= 0 and < 3 && ix is >= 0 and < 3)
                    {
                        int sx = flip ? 2 - ix : ix;
                        int i = (iy * 3) + sx;
                        if (Alpha3[i] > 128)
                        {
                            expected = c switch { 0 => (byte)(100 + i), 1 => (byte)(50 + i), _ => (byte)(200 - i) };
                        }
                    }

                    Assert.Equal(expected, image[(c * 64) + (y * 8) + x]);
                }
            }
        }

        PasteTargets t = result.Targets[0];
        T.AssertConsistent(t, 8, 8);
        Assert.Equal(1, t.Count);
        Assert.Equal([7L], T.ToLongs(t.Labels));
        Assert.Equal([true], T.ToBools(t.IsPasted));
        Assert.Equal(6L, T.ToLongs(t.Areas)[0]);
        Assert.Equal([2f, 3f, 5f, 6f], T.ToFloats(t.Boxes));
    }

    [Fact]
    public void Alpha_blending_mixes_with_the_instances_own_alpha()
    {
        using var scope = NewDisposeScope();
        using AnnotatedImage dst = T.Destination(5, 5);
        var kernel = new PasteKernel(new PasteKernelOptions { Blending = BlendMode.Alpha, AlphaThreshold = 128 });
        using PasteBatch result = kernel.Run([dst], [[PasteSource.Instance(Instance3x3(), 1, x: 1, y: 1, width: 3, height: 3)]]);

        byte[] image = T.ToBytes(result.Images[0]);
        for (int c = 0; c < 3; c++)
        {
            for (int iy = 0; iy < 3; iy++)
            {
                for (int ix = 0; ix < 3; ix++)
                {
                    int i = (iy * 3) + ix;
                    float s = c switch { 0 => 100 + i, 1 => 50 + i, _ => 200 - i };
                    float a = Alpha3[i] / 255f;
                    float mixed = (10f * (1f - a)) + (s * a);
                    var expected = (byte)MathF.Round(mixed, MidpointRounding.ToEven);
                    Assert.Equal(expected, image[(c * 25) + ((iy + 1) * 5) + ix + 1]);
                }
            }

            // Outside the instance nothing changes.
            Assert.Equal(10, image[c * 25]);
            Assert.Equal(10, image[(c * 25) + 24]);
        }

        // The mask is still alpha above the threshold (128 here).
        Assert.Equal(6L, T.ToLongs(result.Targets[0].Areas)[0]);
    }

    [Fact]
    public void Instances_are_resized_to_the_target_size_and_clipped_at_the_border()
    {
        using var scope = NewDisposeScope();
        using AnnotatedImage dst = T.Destination(20, 20);
        var kernel = new PasteKernel();
        // 4x4 opaque instance scaled to 10 wide x 6 high at (-3, 16): visible columns 0..6, rows 16..19.
        using PasteBatch result = kernel.Run([dst], [[PasteSource.Instance(T.Opaque(4, 4), 3, x: -3, y: 16, width: 10, height: 6)]]);
        PasteTargets t = result.Targets[0];
        T.AssertConsistent(t, 20, 20);
        Assert.Equal([0f, 16f, 7f, 20f], T.ToFloats(t.Boxes));
        Assert.Equal(28L, T.ToLongs(t.Areas)[0]);
        byte[] red = T.ToBytes(result.Images[0][0]);
        Assert.Equal(200, red[(19 * 20) + 6]);
        Assert.Equal(10, red[(19 * 20) + 7]);
        Assert.Equal(10, red[(15 * 20) + 0]);
    }

    [Fact]
    public void A_paste_entirely_outside_the_image_adds_nothing()
    {
        using var scope = NewDisposeScope();
        using AnnotatedImage dst = T.Destination(10, 10, (T.Rect(10, 10, 0, 0, 5, 5), 1));
        using PasteBatch result = new PasteKernel().Run([dst], [[PasteSource.Instance(T.Opaque(3, 3), 2, x: 10, y: 0, width: 3, height: 3)]]);
        Assert.Equal(1, result.Targets[0].Count);
        Assert.Equal(T.ToBytes(dst.Image), T.ToBytes(result.Images[0]));
    }

    [Fact]
    public void Reference_rule_keeps_objects_with_more_than_300_pixels_left_even_when_their_box_moves()
    {
        using var scope = NewDisposeScope();
        // 40x40 object; the paste covers its top 25 rows: 600 pixels remain, the box top moves by 25.
        using AnnotatedImage dst = T.Destination(64, 64, (T.Rect(64, 64, 0, 0, 40, 40), 1));
        using PasteBatch result = new PasteKernel().Run([dst], [[PasteSource.Instance(T.Opaque(25, 40), 2, 0, 0, 40, 25)]]);
        PasteTargets t = result.Targets[0];
        T.AssertConsistent(t, 64, 64);
        Assert.Equal([1L, 2L], T.ToLongs(t.Labels));
        Assert.Equal([false, true], T.ToBools(t.IsPasted));
        Assert.Equal([600L, 1000L], T.ToLongs(t.Areas));
        Assert.Equal([0f, 25f, 40f, 40f, 0f, 0f, 40f, 25f], T.ToFloats(t.Boxes));
    }

    [Fact]
    public void Reference_rule_drops_objects_whose_box_moved_more_than_10_px_with_300_or_fewer_pixels_left()
    {
        using var scope = NewDisposeScope();
        // 20x20 object; the paste covers its top 15 rows: 100 pixels remain, the box top moves by 15.
        using AnnotatedImage dst = T.Destination(64, 64, (T.Rect(64, 64, 0, 0, 20, 20), 1));
        using PasteBatch result = new PasteKernel().Run([dst], [[PasteSource.Instance(T.Opaque(15, 20), 2, 0, 0, 20, 15)]]);
        PasteTargets t = result.Targets[0];
        T.AssertConsistent(t, 64, 64);
        Assert.Equal([2L], T.ToLongs(t.Labels));
    }

    [Fact]
    public void Reference_rule_keeps_objects_whose_box_moved_at_most_10_px()
    {
        using var scope = NewDisposeScope();
        // 20x20 object; the paste covers its top 8 rows: 240 pixels remain (<= 300), the box top moves by 8.
        using AnnotatedImage dst = T.Destination(64, 64, (T.Rect(64, 64, 0, 0, 20, 20), 1));
        using PasteBatch result = new PasteKernel().Run([dst], [[PasteSource.Instance(T.Opaque(8, 20), 2, 0, 0, 20, 8)]]);
        PasteTargets t = result.Targets[0];
        T.AssertConsistent(t, 64, 64);
        Assert.Equal([1L, 2L], T.ToLongs(t.Labels));
        Assert.Equal([0f, 8f, 20f, 20f], T.ToFloats(t.Boxes)[..4]);
        Assert.Equal(240L, T.ToLongs(t.Areas)[0]);
    }

    [Fact]
    public void Reference_rule_compares_with_the_box_before_each_paste()
    {
        using var scope = NewDisposeScope();
        // Two pastes nibble 8 rows each: each moves the box by 8 (<= 10), so the object survives both.
        using AnnotatedImage dst = T.Destination(64, 64, (T.Rect(64, 64, 0, 0, 20, 20), 1));
        using PasteBatch result = new PasteKernel().Run([dst], [[
            PasteSource.Instance(T.Opaque(8, 20), 2, 0, 0, 20, 8),
            PasteSource.Instance(T.Opaque(8, 20), 3, 0, 8, 20, 8),
        ]]);
        PasteTargets t = result.Targets[0];
        T.AssertConsistent(t, 64, 64);
        Assert.Equal([1L, 2L, 3L], T.ToLongs(t.Labels));
        Assert.Equal(80L, T.ToLongs(t.Areas)[0]);
    }

    [Fact]
    public void Fully_hidden_objects_always_go_even_when_their_box_barely_moved()
    {
        using var scope = NewDisposeScope();
        // The reference would keep this 4x4 object (its empty box [0,0,0,0] is within 10 px of [0,0,4,4]).
        using AnnotatedImage dst = T.Destination(32, 32, (T.Rect(32, 32, 0, 0, 4, 4), 1), (T.Rect(32, 32, 10, 10, 30, 30), 5));
        using PasteBatch result = new PasteKernel().Run([dst], [[PasteSource.Instance(T.Opaque(6, 6), 2, 0, 0, 6, 6)]]);
        PasteTargets t = result.Targets[0];
        T.AssertConsistent(t, 32, 32);
        Assert.Equal([5L, 2L], T.ToLongs(t.Labels));
    }

    [Fact]
    public void A_hole_inside_an_object_leaves_its_box_and_subtracts_its_area()
    {
        using var scope = NewDisposeScope();
        using AnnotatedImage dst = T.Destination(32, 32, (T.Rect(32, 32, 0, 0, 20, 20), 1));
        using PasteBatch result = new PasteKernel().Run([dst], [[PasteSource.Instance(T.Opaque(4, 4), 2, 8, 8, 4, 4)]]);
        PasteTargets t = result.Targets[0];
        T.AssertConsistent(t, 32, 32);
        Assert.Equal([384L, 16L], T.ToLongs(t.Areas));
        Assert.Equal([0f, 0f, 20f, 20f], T.ToFloats(t.Boxes)[..4]);
        Assert.False(T.ToBools(t.Masks[0, 9, 9])[0]);
    }

    [Fact]
    public void Visible_fraction_rule_counts_cumulative_occlusion_against_the_original_area()
    {
        using var scope = NewDisposeScope();
        var options = new PasteKernelOptions { Occlusion = OcclusionRule.VisibleFraction, MinVisibleFraction = 0.5 };
        using AnnotatedImage dst = T.Destination(64, 64, (T.Rect(64, 64, 0, 0, 20, 20), 1));

        // 160 of 400 covered: 60% visible, kept.
        using PasteBatch once = new PasteKernel(options).Run([dst], [[PasteSource.Instance(T.Opaque(8, 20), 2, 0, 0, 20, 8)]]);
        Assert.Equal([1L, 2L], T.ToLongs(once.Targets[0].Labels));

        // Another 80: 40% visible, dropped, though this paste alone moved the box by only 4 px.
        using PasteBatch twice = new PasteKernel(options).Run([dst], [[
            PasteSource.Instance(T.Opaque(8, 20), 2, 0, 0, 20, 8),
            PasteSource.Instance(T.Opaque(4, 20), 3, 0, 8, 20, 4),
        ]]);
        T.AssertConsistent(twice.Targets[0], 64, 64);
        Assert.Equal([2L, 3L], T.ToLongs(twice.Targets[0].Labels));
    }

    [Fact]
    public void Later_pastes_occlude_earlier_pasted_objects()
    {
        using var scope = NewDisposeScope();
        using AnnotatedImage dst = T.Destination(64, 64);
        using PasteBatch result = new PasteKernel().Run([dst], [[
            PasteSource.Instance(T.Opaque(20, 20), 1, 0, 0, 20, 20),
            PasteSource.Instance(T.Opaque(20, 20, 1, 2, 3), 2, 10, 10, 20, 20),
        ]]);
        PasteTargets t = result.Targets[0];
        T.AssertConsistent(t, 64, 64);
        Assert.Equal([300L, 400L], T.ToLongs(t.Areas));
        Assert.Equal([true, true], T.ToBools(t.IsPasted));
        Assert.Equal(1, T.ToBytes(result.Images[0][0])[(15 * 64) + 15]);
    }

    [Fact]
    public void Objects_of_one_group_do_not_occlude_each_other_but_occlude_earlier_ones()
    {
        using var scope = NewDisposeScope();
        using AnnotatedImage dst = T.Destination(16, 16, (T.Rect(16, 16, 0, 0, 16, 16), 9));
        Tensor rgb = T.Filled(77, 3, 6, 6);
        Tensor masks = stack([T.Rect(6, 6, 0, 0, 4, 4), T.Rect(6, 6, 2, 2, 6, 6)], 0);
        using PasteBatch result = new PasteKernel().Run([dst], [[PasteSource.Objects(rgb, masks, [1, 2], x: 5, y: 5)]]);
        PasteTargets t = result.Targets[0];
        T.AssertConsistent(t, 16, 16);
        Assert.Equal([9L, 1L, 2L], T.ToLongs(t.Labels));
        Assert.Equal([256L - 28L, 16L, 16L], T.ToLongs(t.Areas));
        byte[] red = T.ToBytes(result.Images[0][0]);
        Assert.Equal(77, red[(5 * 16) + 5]);
        Assert.Equal(10, red[(5 * 16) + 10]);
    }

    [Fact]
    public void Feather_blending_fades_the_edge_and_keeps_the_hard_mask()
    {
        using var scope = NewDisposeScope();
        using AnnotatedImage dst = T.Destination(40, 40);
        var options = new PasteKernelOptions { Blending = BlendMode.Feather, FeatherSigma = 2 };
        using PasteBatch result = new PasteKernel(options).Run([dst], [[PasteSource.Instance(T.Opaque(20, 20), 1, 10, 10, 20, 20)]]);
        byte[] red = T.ToBytes(result.Images[0][0]);
        int centre = red[(20 * 40) + 20], edge = red[(20 * 40) + 10], outside = red[(20 * 40) + 8], far = red[(20 * 40) + 2];
        Assert.Equal(200, centre);
        Assert.InRange(edge, 90, 140); // about half way between 10 and 200
        Assert.InRange(outside, 11, edge - 1); // the fade reaches outside the box
        Assert.Equal(10, far);
        PasteTargets t = result.Targets[0];
        T.AssertConsistent(t, 40, 40);
        Assert.Equal([10f, 10f, 30f, 30f], T.ToFloats(t.Boxes));
    }

    [Fact]
    public void Photometric_matching_moves_the_instance_towards_the_destination_brightness()
    {
        using var scope = NewDisposeScope();
        using AnnotatedImage dst = T.Destination(20, 20);
        var options = new PasteKernelOptions { PhotometricMatching = new PhotometricMatchingOptions { Enabled = true, Strength = 1 } };
        using PasteBatch result = new PasteKernel(options).Run([dst], [[PasteSource.Instance(T.Opaque(4, 4, 200, 200, 200), 1, 0, 0, 4, 4)]]);
        // A flat grey-200 instance onto a flat grey-10 region at full strength becomes grey 10.
        Assert.Equal(10, T.ToBytes(result.Images[0][1])[0]);
    }

    [Fact]
    public void Batches_paste_each_image_independently()
    {
        using var scope = NewDisposeScope();
        using AnnotatedImage a = T.Destination(16, 16, (T.Rect(16, 16, 0, 0, 8, 8), 1));
        using AnnotatedImage b = T.Destination(16, 16);
        using PasteBatch result = new PasteKernel().Run([a, b], [
            [PasteSource.Instance(T.Opaque(4, 4), 2, 0, 0, 4, 4)],
            [],
        ]);
        Assert.Equal(new long[] { 2, 3, 16, 16 }, result.Images.shape);
        Assert.Equal([1L, 2L], T.ToLongs(result.Targets[0].Labels));
        Assert.Equal(0, result.Targets[1].Count);
        T.AssertConsistent(result.Targets[1], 16, 16);
        Assert.Equal(T.ToBytes(b.Image), T.ToBytes(result.Images[1]));
    }
}
