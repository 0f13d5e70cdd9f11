using XPaste.Augment;
using static TorchSharp.torch;

namespace XPaste.Tests.Kernel;

/// <summary>
/// A box-only object enters the kernel as its full box: a paste that covers it removes it, one that covers a whole side
/// shrinks its box to the uncovered part, and one that covers a corner, the middle or nothing leaves the box as it was.
/// Both kernel paths agree, and the entry box is kept for the writers' keep-boxes option.
/// </summary>
public sealed class BoxOnlyObjectTests
{
    // The box-only object: columns 4-11, rows 4-11 of a 20x20 image, box [4, 4, 12, 12].
    private static AnnotatedImage Destination() => T.Destination(20, 20, (T.Rect(20, 20, 4, 4, 12, 12), 3));

    private static PasteTargets Run(bool tensorPath, int x, int y, int width, int height, out PasteBatch batch)
    {
        var kernel = new PasteKernel(new PasteKernelOptions()) { UseTensorPathOnCpu = tensorPath };
        using AnnotatedImage dst = Destination();
        batch = kernel.Run([dst], [[PasteSource.Instance(T.Opaque(height, width), 9, x, y, width, height)]]);
        return batch.Targets[0];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void No_cover_keeps_the_box(bool tensorPath)
    {
        using var scope = NewDisposeScope();
        PasteTargets t = Run(tensorPath, 15, 15, 3, 3, out PasteBatch batch);
        using (batch)
        {
            Assert.Equal([3L, 9L], T.ToLongs(t.Labels));
            Assert.Equal([4f, 4f, 12f, 12f], T.ToFloats(t.Boxes)[..4]);
            Assert.Equal([0, 1], t.Origins);
            Assert.Equal([4f, 4f, 12f, 12f], t.EntryBoxes[..4]);
        }
    }

    [Theory]
    [InlineData(false, 2, 2, 4, 4)]   // a corner
    [InlineData(false, 6, 6, 3, 3)]   // the middle
    [InlineData(true, 2, 2, 4, 4)]
    [InlineData(true, 6, 6, 3, 3)]
    public void Partial_cover_without_a_whole_side_keeps_the_box(bool tensorPath, int x, int y, int w, int h)
    {
        using var scope = NewDisposeScope();
        PasteTargets t = Run(tensorPath, x, y, w, h, out PasteBatch batch);
        using (batch)
        {
            Assert.Equal([3L, 9L], T.ToLongs(t.Labels));
            Assert.Equal([4f, 4f, 12f, 12f], T.ToFloats(t.Boxes)[..4]);
            Assert.Equal(64 - (Math.Min(x + w, 12) - Math.Max(x, 4)) * (Math.Min(y + h, 12) - Math.Max(y, 4)), T.ToLongs(t.Areas)[0]);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Covering_a_whole_side_shrinks_the_box_to_the_uncovered_part(bool tensorPath)
    {
        using var scope = NewDisposeScope();
        // Columns 2-5, rows 2-13: the object's columns 4 and 5 entirely.
        PasteTargets t = Run(tensorPath, 2, 2, 4, 12, out PasteBatch batch);
        using (batch)
        {
            Assert.Equal([3L, 9L], T.ToLongs(t.Labels));
            Assert.Equal([6f, 4f, 12f, 12f], T.ToFloats(t.Boxes)[..4]);
            Assert.Equal([4f, 4f, 12f, 12f], t.EntryBoxes[..4]);
            // The pasted object keeps its exact mask and tight box.
            Assert.Equal([2f, 2f, 6f, 14f], T.ToFloats(t.Boxes)[4..]);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Full_cover_removes_the_object(bool tensorPath)
    {
        using var scope = NewDisposeScope();
        PasteTargets t = Run(tensorPath, 2, 2, 12, 12, out PasteBatch batch);
        using (batch)
        {
            Assert.Equal([9L], T.ToLongs(t.Labels));
            Assert.Equal([1], t.Origins);
        }
    }
}
