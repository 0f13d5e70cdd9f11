using XPaste.Augment;
using static TorchSharp.torch;

namespace XPaste.Tests.Kernel;

/// <summary>The kernel's defaults where the authors' code and ours could differ (docs/parity.md), each on a constructed case.</summary>
public sealed class ReferenceDefaultsTests
{
    [Fact]
    public void By_default_the_mask_is_the_resized_alpha_above_zero_as_in_the_reference()
    {
        // Alpha [0, 255] widened from 2 to 4 columns: bilinear gives 0, 64, 191, 255.
        using var scope = NewDisposeScope();
        Tensor rgba = T.Bytes([10, 20, 30, 40, 50, 60, 0, 255], 4, 1, 2);
        using AnnotatedImage dst = T.Destination(3, 6);
        PasteSource step = PasteSource.Instance(rgba, 7, x: 1, y: 1, width: 4, height: 1);

        using PasteBatch reference = new PasteKernel().Run([dst], [[step]]);
        using PasteBatch tight = new PasteKernel(new PasteKernelOptions { AlphaThreshold = 128 }).Run([dst], [[step]]);

        Assert.Equal(0, new PasteKernelOptions().AlphaThreshold);
        Assert.Equal([false, true, true, true], T.ToBools(reference.Targets[0].Masks[0][1].narrow(0, 1, 4)));
        Assert.Equal([false, false, true, true], T.ToBools(tight.Targets[0].Masks[0][1].narrow(0, 1, 4)));
        Assert.Equal([2f, 1f, 5f, 2f], T.ToFloats(reference.Targets[0].Boxes[0]));
        Assert.Equal([3f, 1f, 5f, 2f], T.ToFloats(tight.Targets[0].Boxes[0]));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_fully_covered_object_is_dropped_by_default_and_kept_empty_as_in_the_reference_on_request(bool dropEmpty)
    {
        // A 5x5 object in the top-left corner, covered by an opaque 8x8 paste: its box becomes (0,0,0,0), which moved
        // at most 5 <= 10 pixels per coordinate, so the reference rule keeps it with an empty mask.
        using var scope = NewDisposeScope();
        using AnnotatedImage dst = T.Destination(20, 20, (T.Rect(20, 20, 0, 0, 5, 5), 3));
        var kernel = new PasteKernel(new PasteKernelOptions { DropEmptyObjects = dropEmpty });
        using PasteBatch result = kernel.Run([dst], [[PasteSource.Instance(T.Opaque(8, 8), 9, x: 0, y: 0, width: 8, height: 8)]]);

        PasteTargets t = result.Targets[0];
        Assert.True(new PasteKernelOptions().DropEmptyObjects);
        if (dropEmpty)
        {
            Assert.Equal([9L], T.ToLongs(t.Labels));
        }
        else
        {
            Assert.Equal([3L, 9L], T.ToLongs(t.Labels));
            Assert.Equal([0L, 64L], T.ToLongs(t.Areas));
            Assert.Equal([0f, 0f, 0f, 0f], T.ToFloats(t.Boxes[0]));
            Assert.DoesNotContain(true, T.ToBools(t.Masks[0]));
        }
    }
}
