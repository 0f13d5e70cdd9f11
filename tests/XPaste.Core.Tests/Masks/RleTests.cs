using XPaste.Masks;

namespace XPaste.Tests.Masks;

/// <summary>Properties of the codec on random masks, validation, merge, boxes.</summary>
public sealed class RleTests
{
    public static TheoryData<int, int, double> Sizes() => new()
    {
        { 1, 1, 0.5 },
        { 3, 7, 0.5 },
        { 17, 5, 0.1 },
        { 64, 48, 0.9 },
        { 130, 70, 0.02 },
        { 0, 5, 0.5 },
        { 5, 0, 0.5 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Decode_of_encode_is_the_mask_and_area_counts_set_pixels(int h, int w, double density)
    {
        var random = new Random(h * 1000 + w);
        for (int trial = 0; trial < 5; trial++)
        {
            byte[] mask = RandomMask(random, h, w, density, blobby: trial % 2 == 1);
            Rle rle = Rle.Encode(mask, h, w);

            Assert.Equal(mask.Select(v => v != 0 ? (byte)1 : (byte)0).ToArray(), rle.Decode());
            Assert.Equal(mask.Count(v => v != 0), rle.Area);
            Assert.Equal((long)h * w, rle.Counts.ToArray().Sum(c => (long)c));
            Assert.Equal(rle, Rle.FromCompressedString(rle.ToCompressedString(), h, w));
            Assert.Equal(rle, Rle.EncodeColumnMajor(Transpose(mask, h, w), h, w));
            for (int i = 1; i < rle.RunCount; i++)
            {
                Assert.True(rle.Counts[i] > 0, "only the first run may be empty");
            }
        }
    }

    [Fact]
    public void Non_canonical_counts_with_empty_runs_decode_the_same_row_and_column_major()
    {
        var random = new Random(17);
        for (int trial = 0; trial < 200; trial++)
        {
            int h = random.Next(1, 9), w = random.Next(1, 9);
            var counts = new List<uint>();
            int left = h * w;
            while (left > 0)
            {
                uint c = (uint)Math.Min(left, random.Next(0, 4));
                counts.Add(c);
                left -= (int)c;
            }

            if (random.Next(2) == 0)
            {
                counts.Add(0);
            }

            Rle rle = Rle.FromCounts(h, w, counts.ToArray());
            var columnMajor = new byte[h * w];
            rle.DecodeColumnMajor(columnMajor);

            Assert.Equal(Transpose(columnMajor, w, h), rle.Decode());
            Assert.Equal(columnMajor.Count(v => v != 0), rle.Area);
            Assert.Equal(Rle.EncodeColumnMajor(columnMajor, h, w), Rle.Encode(rle.Decode(), h, w));
        }
    }

    [Fact]
    public void Any_non_zero_byte_counts_as_set_and_bool_spans_encode_the_same()
    {
        byte[] mask = [0, 7, 255, 0, 1, 0];
        bool[] flags = mask.Select(v => v != 0).ToArray();

        Rle rle = Rle.Encode(mask, 2, 3);

        Assert.Equal(Rle.Encode(flags, 2, 3), rle);
        Assert.Equal(new byte[] { 0, 1, 1, 0, 1, 0 }, rle.Decode());
        Assert.Equal(3, rle.Area);
    }

    [Fact]
    public void Tight_box_of_a_random_mask_equals_rle_bbox_when_runs_stay_in_columns()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 20; trial++)
        {
            int h = random.Next(1, 40), w = random.Next(1, 40);
            var mask = new byte[h * w];
            int x1 = random.Next(w), y1 = random.Next(h);
            int x2 = random.Next(x1, w), y2 = random.Next(y1, h);
            mask[(y1 * w) + x1] = 1;
            mask[(y2 * w) + x2] = 1;
            if (x1 == x2 || (y1 == 0 && y2 == h - 1))
            {
                Assert.Equal(new CocoBox(x1, y1, x2 - x1 + 1, y2 - y1 + 1), Rle.Encode(mask, h, w).BoundingBox);
            }
        }
    }

    [Fact]
    public void Bbox_spans_every_row_when_a_run_wraps_to_the_next_column()
    {
        // Column-major run from (x=0, y=2) to (x=1, y=0): rleToBbox then takes rows 0..h-1.
        var mask = new byte[3 * 2];
        mask[(2 * 2) + 0] = 1;
        mask[(0 * 2) + 1] = 1;

        Assert.Equal(new CocoBox(0, 0, 2, 3), Rle.Encode(mask, 3, 2).BoundingBox);
        Assert.Equal(default, Rle.Empty(4, 4).BoundingBox);
    }

    [Fact]
    public void Merge_is_union_or_intersection_and_areas_add_up()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 20; trial++)
        {
            int h = random.Next(1, 30), w = random.Next(1, 30);
            byte[] a = Binary(RandomMask(random, h, w, random.NextDouble(), trial % 2 == 0));
            byte[] b = Binary(RandomMask(random, h, w, random.NextDouble(), trial % 3 == 0));
            byte[] c = Binary(RandomMask(random, h, w, 0.3, false));
            Rle ra = Rle.Encode(a, h, w), rb = Rle.Encode(b, h, w), rc = Rle.Encode(c, h, w);

            Rle union = ra.Union(rb);
            Rle intersection = ra.Intersect(rb);

            Assert.Equal(a.Zip(b, (x, y) => (byte)(x | y)).ToArray(), union.Decode());
            Assert.Equal(a.Zip(b, (x, y) => (byte)(x & y)).ToArray(), intersection.Decode());
            Assert.Equal(ra.Area + rb.Area - intersection.Area, union.Area);
            Assert.Equal(Rle.Encode(union.Decode(), h, w), union);
            byte[] all = a.Zip(b, (x, y) => (byte)(x | y)).Zip(c, (x, y) => (byte)(x | y)).ToArray();
            Assert.Equal(all, Rle.Merge([ra, rb, rc]).Decode());
            Assert.Equal(ra, Rle.Merge([ra]));
        }
    }

    [Fact]
    public void Merge_rejects_different_sizes_and_empty_lists()
    {
        Assert.Throws<ArgumentException>(() => Rle.Merge([Rle.Empty(2, 3), Rle.Empty(3, 2)]));
        Assert.Throws<ArgumentException>(() => Rle.Merge([]));
    }

    [Fact]
    public void Iou_of_disjoint_boxes_is_zero_and_of_identical_masks_one_and_size_mismatch_minus_one()
    {
        Rle a = Rle.FromBox(new CocoBox(0, 0, 3, 3), 10, 10);
        Rle b = Rle.FromBox(new CocoBox(5, 5, 3, 3), 10, 10);
        Rle c = Rle.FromBox(new CocoBox(0, 0, 3, 3), 10, 11);

        Assert.Equal(0, Rle.Iou(a, b));
        Assert.Equal(1, Rle.Iou(a, a));
        Assert.Equal(-1, Rle.Iou(a, c));
        Assert.Equal(0, Rle.Iou(Rle.Empty(10, 10), Rle.Empty(10, 10)));
    }

    [Fact]
    public void Integer_boxes_rasterise_to_exactly_their_pixels()
    {
        Rle rle = Rle.FromBox(new CocoBox(2, 1, 3, 4), 7, 8);
        byte[] mask = rle.Decode();
        for (int y = 0; y < 7; y++)
        {
            for (int x = 0; x < 8; x++)
            {
                Assert.Equal(x is >= 2 and < 5 && y is >= 1 and < 5 ? 1 : 0, mask[(y * 8) + x]);
            }
        }

        Assert.Equal(new CocoBox(2, 1, 3, 4), rle.BoundingBox);
    }

    [Fact]
    public void Polygons_far_outside_the_image_give_an_empty_mask_and_bad_coordinates_are_rejected()
    {
        Assert.Equal(0, Rle.FromPolygon([-50, -50, -40, -50, -40, -40], 10, 10).Area);
        Assert.Equal(100, Rle.FromPolygon([-50, -50, 60, -50, 60, 60, -50, 60], 10, 10).Area);
        Assert.Throws<ArgumentException>(() => Rle.FromPolygon([1, 2, 3], 10, 10));
        Assert.Throws<ArgumentException>(() => Rle.FromPolygon([1, 2, double.NaN, 4, 5, 6], 10, 10));
        Assert.Throws<ArgumentException>(() => Rle.FromPolygon([1, 2, 1e9, 4, 5, 6], 10, 10));
    }

    [Fact]
    public void Box_iou_follows_bbIou_with_the_crowd_rule()
    {
        var a = new CocoBox(0, 0, 4, 4);
        var b = new CocoBox(2, 2, 4, 4);

        Assert.Equal(4.0 / 28.0, CocoBox.Iou(a, b));
        Assert.Equal(4.0 / 16.0, CocoBox.Iou(a, b, groundTruthIsCrowd: true));
        Assert.Equal(0, CocoBox.Iou(a, new CocoBox(4, 0, 2, 2)));
        double[,] m = CocoBox.Iou([a, b], [b], [true]);
        Assert.Equal(0.25, m[0, 0]);
        Assert.Equal(1, m[1, 0]);
    }

    [Theory]
    [InlineData(new long[] { 3, 4 }, 2, 3, "sum to 7 but a 2x3 mask has 6 pixels")]
    [InlineData(new long[] { 3, -1, 4 }, 2, 3, "RLE count 1 is negative (-1)")]
    [InlineData(new long[] { 5000000000, 1 }, 2, 3, "larger than 2^32 - 1")]
    public void Invalid_counts_are_rejected_with_the_problem(long[] counts, int h, int w, string expected)
    {
        var ex = Assert.Throws<InvalidRleException>(() => Rle.FromCounts(h, w, counts));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0?", 3, 5, null)]
    [InlineData("0P", 3, 5, "ends in the middle of a number")]
    [InlineData("0@", 3, 5, "RLE count 1 is negative (-16)")]
    [InlineData("0 ?", 3, 5, "invalid character ' ' (U+0020) at position 1")]
    [InlineData("0p", 3, 5, "invalid character 'p'")]
    [InlineData("0>", 3, 5, "sum to 14 but a 3x5 mask has 15 pixels")]
    [InlineData("1O", 3, 5, "RLE count 1 is negative (-1)")]
    public void Compressed_strings_are_validated(string counts, int h, int w, string? expected)
    {
        if (expected is null)
        {
            Assert.Equal(15, Rle.FromCompressedString(counts, h, w).Area);
            return;
        }

        var ex = Assert.Throws<InvalidRleException>(() => Rle.FromCompressedString(counts, h, w));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compressed_string_round_trips_large_counts_and_negative_differences()
    {
        uint[] counts = [5, 1_000_000, 3, 2, 999_000, 7, 1, 993];
        long total = counts.Sum(c => (long)c);
        Rle rle = Rle.FromCounts(1, (int)total, counts);

        string s = rle.ToCompressedString();

        Assert.Equal(counts, Rle.FromCompressedString(s, 1, (int)total).Counts.ToArray());
    }

    /// <summary>Plain transpose of a rows x columns row-major matrix.</summary>
    private static byte[] Transpose(byte[] m, int rows, int columns)
    {
        var t = new byte[m.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                t[(c * rows) + r] = m[(r * columns) + c];
            }
        }

        return t;
    }

    private static byte[] Binary(byte[] mask) => mask.Select(v => v != 0 ? (byte)1 : (byte)0).ToArray();

    internal static byte[] RandomMask(Random random, int h, int w, double density, bool blobby)
    {
        var mask = new byte[h * w];
        if (!blobby)
        {
            for (int i = 0; i < mask.Length; i++)
            {
                mask[i] = random.NextDouble() < density ? (byte)random.Next(1, 256) : (byte)0;
            }

            return mask;
        }

        // A few filled rectangles: long runs, like real object masks.
        for (int r = 0; r < 3 && h > 0 && w > 0; r++)
        {
            int x1 = random.Next(w), y1 = random.Next(h);
            int x2 = random.Next(x1, w), y2 = random.Next(y1, h);
            for (int y = y1; y <= y2; y++)
            {
                mask.AsSpan((y * w) + x1, x2 - x1 + 1).Fill(1);
            }
        }

        return mask;
    }
}
