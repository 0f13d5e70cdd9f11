using XPaste.Abstractions;
using XPaste.Extraction;
using static TorchSharp.torch;

namespace XPaste.Tests.Abstractions;

/// <summary>
/// Objects that own tensors and travel through async code keep them out of dispose scopes: a scope that happens to
/// be open on the thread that made them (scopes are per thread) must not free them.
/// </summary>
public sealed class SourceImageTests
{
    [Fact]
    public void Source_image_tensors_outlive_the_scope_they_were_made_in_until_disposed()
    {
        SourceImage item;
        using (NewDisposeScope())
        {
            item = new SourceImage("a", new CategoryInfo(1, "thing"), ones(3, 4, 5, ScalarType.Byte), full(4, 5, 255, ScalarType.Byte), "memory");
        }

        Assert.False(item.Image.IsInvalid);
        Assert.Equal(60, item.Image.sum().item<long>());
        Assert.Equal(255 * 20, item.Mask!.to(ScalarType.Int64).sum().item<long>());
        item.Dispose();
        Assert.True(item.Image.IsInvalid);
        Assert.True(item.Mask.IsInvalid);
    }

    [Fact]
    public async Task Cutouts_and_extracted_masks_outlive_the_scope_they_were_made_in()
    {
        Tensor image = full(new long[] { 3, 40, 40 }, 90, ScalarType.Byte);
        image[.., 10..30, 10..30] = tensor((byte)250);
        IReadOnlyList<Tensor> masks;
        using (NewDisposeScope())
        {
            // The extractor returns its masks outside the scope it ran in, so they outlive it.
            masks = new PlainBackgroundExtractor().Extract([image], TestCategories.Any(1));
        }

        await Task.Yield();

        CutoutOutcome cutout;
        using (NewDisposeScope())
        {
            cutout = new InstancePostProcessor().Process(image, masks[0]);
        }

        Assert.False(masks[0].IsInvalid);
        Assert.True(cutout.IsAccepted);
        Assert.Equal(new long[] { 4, 20, 20 }, cutout.Rgba!.shape);
        cutout.Dispose();
        masks[0].Dispose();
        image.Dispose();
    }
}
