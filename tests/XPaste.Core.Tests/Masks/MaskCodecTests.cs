using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Tests.Masks;

public sealed class MaskCodecTests
{
    [Fact]
    public void Bulk_encode_and_decode_equal_the_per_mask_codec_on_random_masks()
    {
        using var scope = NewDisposeScope();
        var random = new Random(5);
        const int n = 9, h = 37, w = 23;
        var flat = new byte[n * h * w];
        for (int i = 0; i < n; i++)
        {
            RleTests.RandomMask(random, h, w, i / (double)n, blobby: i % 2 == 0).CopyTo(flat, i * h * w);
        }

        Tensor masks = tensor(flat, [n, h, w], ScalarType.Byte);

        Rle[] fromUint8 = MaskCodec.Encode(masks);
        Rle[] fromBool = MaskCodec.Encode(masks.ne(0));

        for (int i = 0; i < n; i++)
        {
            Rle expected = Rle.Encode(flat.AsSpan(i * h * w, h * w), h, w);
            Assert.Equal(expected, fromUint8[i]);
            Assert.Equal(expected, fromBool[i]);
        }

        Tensor decoded = MaskCodec.Decode(fromUint8);
        Assert.Equal(ScalarType.Bool, decoded.dtype);
        Assert.Equal(new long[] { n, h, w }, decoded.shape);
        Assert.True(AllEqual(decoded, masks.ne(0)));
        Assert.True(AllEqual(MaskCodec.DecodeOne(fromUint8[3]), masks[3].ne(0)));
        Assert.Equal(fromUint8[4], MaskCodec.EncodeOne(masks[4]));
    }

    [Fact]
    public void Non_contiguous_inputs_and_empty_batches_work()
    {
        using var scope = NewDisposeScope();
        Tensor masks = rand(new long[] { 3, 8, 6 }, generator: new Generator(1)).gt(0.5);
        Tensor transposed = masks.transpose(1, 2); // [3,6,8], not contiguous

        Rle[] rles = MaskCodec.Encode(transposed);

        Assert.Equal(6, rles[0].Height);
        Assert.True(AllEqual(MaskCodec.Decode(rles), transposed));
        Assert.Empty(MaskCodec.Encode(zeros(0, 4, 4, ScalarType.Bool)));
        Assert.Equal(new long[] { 0, 4, 5 }, MaskCodec.Decode([], 4, 5).shape);
    }

    [Fact]
    public void Tight_coco_boxes_follow_the_x2_is_last_plus_one_convention()
    {
        using var scope = NewDisposeScope();
        var mask = new byte[6 * 8];
        mask[(1 * 8) + 2] = 1;
        mask[(4 * 8) + 5] = 1;
        Rle rle = Rle.Encode(mask, 6, 8);
        Tensor decoded = MaskCodec.Decode([rle, Rle.Empty(6, 8)]);

        CocoBox[] boxes = MaskCodec.TightCocoBoxes(decoded);

        Assert.Equal(new CocoBox(2, 1, 4, 4), boxes[0]);
        Assert.Equal(rle.BoundingBox, boxes[0]);
        Assert.Equal(default, boxes[1]);
    }

    private static bool AllEqual(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
