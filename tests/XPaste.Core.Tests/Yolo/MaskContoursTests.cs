using XPaste.Masks;
using XPaste.Yolo;

namespace XPaste.Tests.Yolo;

/// <summary>Outer contours traced along pixel edges, and multi-part polygons joined into one as Ultralytics joins them.</summary>
public sealed class MaskContoursTests
{
    private static Rle Mask(int h, int w, params (int X0, int Y0, int X1, int Y1)[] rects)
    {
        var pixels = new byte[h * w];
        foreach ((int x0, int y0, int x1, int y1) in rects)
        {
            for (int y = y0; y < y1; y++)
            {
                for (int x = x0; x < x1; x++)
                {
                    pixels[(y * w) + x] = 1;
                }
            }
        }

        return Rle.Encode(pixels, h, w);
    }

    [Fact]
    public void A_rectangle_is_its_four_pixel_edge_corners()
    {
        List<double[]> parts = MaskContours.Outer(Mask(10, 10, (2, 3, 6, 8)));
        Assert.Equal([2.0, 3, 6, 3, 6, 8, 2, 8], Assert.Single(parts));
    }

    [Fact]
    public void An_l_shape_keeps_only_its_corners_and_rasterises_back()
    {
        Rle mask = Mask(12, 12, (2, 2, 4, 9), (2, 7, 9, 9));
        double[] polygon = Assert.Single(MaskContours.Outer(mask));
        Assert.Equal(12, polygon.Length);
        Assert.True(Rle.Iou(Rle.FromPolygon(polygon, 12, 12), mask) >= 0.9);
    }

    [Fact]
    public void Holes_are_covered_and_parts_touching_only_at_a_corner_are_separate()
    {
        Rle ring = Mask(10, 10, (1, 1, 8, 3), (1, 6, 8, 8), (1, 3, 3, 6), (6, 3, 8, 6));
        Assert.Equal([1.0, 1, 8, 1, 8, 8, 1, 8], Assert.Single(MaskContours.Outer(ring)));
        Assert.Equal(2, MaskContours.Outer(Mask(6, 6, (0, 0, 2, 2), (2, 2, 4, 4))).Count);
    }

    [Fact]
    public void Merged_parts_rasterise_to_the_union_of_the_parts()
    {
        Rle mask = Mask(30, 30, (2, 2, 8, 8), (12, 4, 18, 10), (6, 20, 12, 27));
        List<double[]> parts = MaskContours.Outer(mask);
        Assert.Equal(3, parts.Count);
        double[] merged = SegmentMerge.Merge(parts);
        Rle union = Rle.Merge([.. parts.Select(p => Rle.FromPolygon(p, 30, 30))]);
        Assert.Equal(union, Rle.FromPolygon(merged, 30, 30));
        // Every part's every corner is on the merged polygon.
        var points = Enumerable.Range(0, merged.Length / 2).Select(i => (merged[2 * i], merged[(2 * i) + 1])).ToHashSet();
        Assert.All(parts.SelectMany(p => Enumerable.Range(0, p.Length / 2).Select(i => (p[2 * i], p[(2 * i) + 1]))), pt => Assert.Contains(pt, points));
    }

    [Fact]
    public void With_holes_the_joined_polygon_rasterises_to_the_mask_exactly()
    {
        // A ring, and a ring whose hole holds an island touching it only at a corner.
        Rle ring = Mask(10, 10, (1, 1, 8, 3), (1, 6, 8, 8), (1, 3, 3, 6), (6, 3, 8, 6));
        Rle island = Mask(12, 12, (1, 1, 10, 2), (1, 9, 10, 10), (1, 2, 2, 9), (9, 2, 10, 9), (2, 2, 3, 3), (5, 5, 7, 7));
        foreach (Rle mask in new[] { ring, island })
        {
            Assert.Equal(mask, Rle.FromPolygon(SegmentMerge.Merge(MaskContours.WithHoles(mask)), mask.Height, mask.Width));
        }

        // Random speckle: many parts, holes and corner-only contacts. The boundaries' even-odd combination is the mask,
        // and so is the one polygon joining them.
        var random = new Random(7);
        for (int trial = 0; trial < 10; trial++)
        {
            var pixels = new byte[14 * 18];
            for (int i = 0; i < pixels.Length; i++)
            {
                pixels[i] = (byte)(random.NextDouble() < 0.55 ? 1 : 0);
            }

            Rle mask = Rle.Encode(pixels, 14, 18);
            var parity = new byte[pixels.Length];
            foreach (double[] cycle in MaskContours.WithHoles(mask))
            {
                Rle filled = Rle.FromPolygon(cycle, 14, 18);
                var decoded = new byte[pixels.Length];
                RowMajorRunLength.Decode(filled.Counts, decoded, 14, 18);
                for (int i = 0; i < parity.Length; i++)
                {
                    parity[i] ^= decoded[i];
                }
            }

            Assert.Equal(pixels, parity);
            Assert.Equal(mask, Rle.FromPolygon(SegmentMerge.Merge(MaskContours.WithHoles(mask)), 14, 18));
        }
    }
}
