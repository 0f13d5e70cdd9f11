using XPaste.Extraction;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction;

public sealed class InstancePostProcessorTests
{
    private static readonly InstancePostProcessorOptions AnyArea = new() { MinArea = 0, MaxArea = 1 };

    /// <summary>A mask drawn as text: '#' = 255, '+' = 200, 'o' = 129, '-' = 128, '.' = 0.</summary>
    private static Tensor Mask(params string[] rows)
    {
        int h = rows.Length, w = rows[0].Length;
        var bytes = new byte[h * w];
        for (int y = 0; y < h; y++)
        {
            Assert.Equal(w, rows[y].Length);
            for (int x = 0; x < w; x++)
            {
                bytes[(y * w) + x] = rows[y][x] switch { '#' => 255, '+' => 200, 'o' => 129, '-' => 128, _ => 0 };
            }
        }

        return tensor(bytes, new long[] { h, w }, ScalarType.Byte);
    }

    /// <summary>An image whose pixels encode their position, so a crop can be checked exactly.</summary>
    private static Tensor PositionImage(long h, long w)
    {
        Tensor y = arange(h, ScalarType.Int64).view(h, 1).expand(h, w);
        Tensor x = arange(w, ScalarType.Int64).view(1, w).expand(h, w);
        return stack(new[] { x, y, (x + (y * 7)).remainder(251) }, 0).to(ScalarType.Byte);
    }

    private static string[] AlphaRows(Tensor rgba)
    {
        long h = rgba.shape[1], w = rgba.shape[2];
        byte[] a = rgba[3].contiguous().data<byte>().ToArray();
        return Enumerable.Range(0, (int)h).Select(y => new string(a.Skip(y * (int)w).Take((int)w)
            .Select(v => v switch { 255 => '#', 200 => '+', 129 => 'o', 128 => '-', 0 => '.', _ => '?' }).ToArray())).ToArray();
    }

    [Fact]
    public void Keeps_the_largest_blob_cropped_with_the_image_pixels_and_the_soft_alpha()
    {
        using var scope = NewDisposeScope();
        Tensor mask = Mask(
            "..........",
            ".##.......",
            ".##...###.",
            "......#+#.",
            "......###.",
            "..........");
        Tensor image = PositionImage(6, 10);
        using CutoutOutcome cutout = new InstancePostProcessor(AnyArea).Process(image, mask);

        Assert.True(cutout.IsAccepted);
        Assert.Equal((6, 2, 3, 3), (cutout.X, cutout.Y, cutout.Width, cutout.Height));
        Assert.Equal(9, cutout.Pixels);
        Assert.Equal(13.0 / 60, cutout.AreaFraction, 12);
        Tensor rgba = cutout.Rgba!;
        Assert.Equal(new long[] { 4, 3, 3 }, rgba.shape);
        Assert.True(rgba.narrow(0, 0, 3).Equals(image.narrow(1, 2, 3).narrow(2, 6, 3)));
        Assert.Equal(new[] { "###", "#+#", "###" }, AlphaRows(rgba));
    }

    [Fact]
    public void Fills_holes_and_what_lies_in_them_but_not_bays_open_to_the_border()
    {
        using var scope = NewDisposeScope();
        Tensor mask = Mask(
            "..........",
            ".#######..",
            ".#.....#..",
            ".#..#..#..",
            ".#.....#..",
            ".####.##..",
            "..........");
        Tensor image = PositionImage(7, 10);

        using CutoutOutcome opaque = new InstancePostProcessor(new() { MinArea = 0, MaxArea = 1, Alpha = CutoutAlpha.Opaque }).Process(image, mask);
        Assert.Equal((1, 1, 7, 5), (opaque.X, opaque.Y, opaque.Width, opaque.Height));
        // The gap in the bottom edge joins the inside to the outside, so there is no hole: only the ring is kept.
        Assert.Equal(new[] { "#######", "#.....#", "#.....#", "#.....#", "####.##" }, AlphaRows(opaque.Rgba!));

        Tensor closed = Mask(
            "..........",
            ".#######..",
            ".#.....#..",
            ".#..#..#..",
            ".#.....#..",
            ".#######..",
            "..........");
        using CutoutOutcome filled = new InstancePostProcessor(new() { MinArea = 0, MaxArea = 1, Alpha = CutoutAlpha.Opaque }).Process(image, closed);
        Assert.Equal(35, filled.Pixels);
        Assert.Equal(Enumerable.Repeat("#######", 5), AlphaRows(filled.Rgba!));

        // The reference multiplies the soft mask by the filled component: filled holes keep their mask values,
        // the island in the hole (a separate, smaller component) included.
        using CutoutOutcome soft = new InstancePostProcessor(AnyArea).Process(image, closed);
        Assert.Equal(new[] { "#######", "#.....#", "#..#..#", "#.....#", "#######" }, AlphaRows(soft.Rgba!));
    }

    [Fact]
    public void Diagonal_contacts_join_components_and_close_outlines_only_under_eight_connectivity()
    {
        using var scope = NewDisposeScope();
        Tensor mask = Mask(
            ".......",
            "..#....",
            ".#.#...",
            "..#....",
            "....##.",
            "....##.",
            ".......");
        Tensor image = PositionImage(7, 7);

        using CutoutOutcome eight = new InstancePostProcessor(new() { MinArea = 0, MaxArea = 1, Alpha = CutoutAlpha.Opaque }).Process(image, mask);
        // The diamond is one 8-connected component of 4 pixels, tied with the square; the first in raster order
        // wins, and its centre is a hole under 4-connectivity for the background.
        Assert.Equal((1, 1, 3, 3), (eight.X, eight.Y, eight.Width, eight.Height));
        Assert.Equal(new[] { ".#.", "###", ".#." }, AlphaRows(eight.Rgba!));
        Assert.Equal(5, eight.Pixels);

        using CutoutOutcome four = new InstancePostProcessor(new() { MinArea = 0, MaxArea = 1, Connectivity = MaskConnectivity.Four }).Process(image, mask);
        Assert.Equal((4, 4, 2, 2), (four.X, four.Y, four.Width, four.Height));
    }

    [Fact]
    public void Threshold_is_strictly_above_128()
    {
        using var scope = NewDisposeScope();
        Tensor mask = Mask(
            "------",
            "-oooo-",
            "-o--o-",
            "-oooo-",
            "------");
        using CutoutOutcome cutout = new InstancePostProcessor(AnyArea).Process(PositionImage(5, 6), mask);
        Assert.Equal((1, 1, 4, 3), (cutout.X, cutout.Y, cutout.Width, cutout.Height));
        Assert.Equal(10.0 / 30, cutout.AreaFraction, 12);
        // The 128s inside are a filled hole, kept with their mask value.
        Assert.Equal(new[] { "oooo", "o--o", "oooo" }, AlphaRows(cutout.Rgba!));
        Assert.Equal(10.0 / 30, InstancePostProcessor.AreaFraction(mask), 12);
    }

    [Theory]
    [InlineData(0, 0, CutoutRejection.Empty)]
    [InlineData(4, 4, CutoutRejection.TooSmall)]       // 16 / 400 = 0.04 < 0.05
    [InlineData(5, 5, CutoutRejection.None)]           // 25 / 400 = 0.0625
    [InlineData(20, 19, CutoutRejection.None)]         // 380 / 400 = 0.95: the bounds are inclusive
    [InlineData(20, 20, CutoutRejection.TooLarge)]     // the whole frame
    [InlineData(20, 1, CutoutRejection.TooThin)]       // 1 pixel tall, with the area bounds off below
    public void Area_and_size_rules_give_the_documented_rejections(int w, int h, CutoutRejection expected)
    {
        using var scope = NewDisposeScope();
        Tensor mask = zeros(20, 20, ScalarType.Byte);
        if (w > 0)
        {
            mask.narrow(0, 0, h).narrow(1, 0, w).fill_(255);
        }

        var options = expected == CutoutRejection.TooThin ? AnyArea : InstancePostProcessorOptions.Default;
        using CutoutOutcome cutout = new InstancePostProcessor(options).Process(PositionImage(20, 20), mask);
        Assert.Equal(expected, cutout.Rejection);
        Assert.Equal(expected == CutoutRejection.None, cutout.Rgba is not null);
        Assert.Equal(w * h / 400.0, cutout.AreaFraction, 12);
    }

    [Fact]
    public void Area_test_counts_every_component_like_the_reference()
    {
        using var scope = NewDisposeScope();
        // Many small specks: 0.2 of the image above the threshold although the largest component is a single pixel.
        Tensor mask = zeros(20, 20, ScalarType.Byte);
        mask.view(-1).narrow(0, 0, 400).view(20, 20).index_put_(tensor((byte)255), TensorIndex.Slice(0, null, 2), TensorIndex.Slice(0, null, 2));
        mask.narrow(0, 10, 10).fill_(0);
        using CutoutOutcome cutout = new InstancePostProcessor(new() { Connectivity = MaskConnectivity.Four }).Process(PositionImage(20, 20), mask);
        Assert.Equal(50 / 400.0, cutout.AreaFraction, 12);
        Assert.Equal(CutoutRejection.TooThin, cutout.Rejection);
    }

    [Fact]
    public void Random_masks_agree_with_a_plain_flood_fill()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(11);
        for (int trial = 0; trial < 40; trial++)
        {
            int h = 17 + (trial % 7) * 5, w = 23 + (trial % 5) * 6;
            // Blurred noise gives blobs with holes, bays and diagonal contacts.
            Tensor noise = rand(new long[] { 1, 1, h, w }, generator: generator);
            Tensor smooth = nn.functional.avg_pool2d(noise, 3, stride: 1, padding: 1, count_include_pad: false)[0, 0];
            Tensor mask = smooth.gt(0.5 - ((trial % 4) * 0.03)).to(ScalarType.Byte).mul(255);
            byte[] bytes = mask.data<byte>().ToArray();
            foreach (bool eight in new[] { true, false })
            {
                bool[] expected = NaiveLargestFilled(bytes, h, w, eight);
                var options = new InstancePostProcessorOptions
                {
                    MinArea = 0, MaxArea = 1, MinSide = 1, Alpha = CutoutAlpha.Opaque,
                    Connectivity = eight ? MaskConnectivity.Eight : MaskConnectivity.Four,
                };
                using CutoutOutcome cutout = new InstancePostProcessor(options).Process(zeros(3, h, w, ScalarType.Byte), mask);
                var actual = new bool[h * w];
                if (cutout.IsAccepted)
                {
                    byte[] alpha = cutout.Rgba![3].contiguous().data<byte>().ToArray();
                    for (int y = 0; y < cutout.Height; y++)
                    {
                        for (int x = 0; x < cutout.Width; x++)
                        {
                            actual[((y + cutout.Y) * w) + x + cutout.X] = alpha[(y * cutout.Width) + x] == 255;
                        }
                    }
                }

                Assert.True(expected.SequenceEqual(actual), $"trial {trial}, {(eight ? 8 : 4)}-connected");
                Assert.Equal(expected.Count(b => b), cutout.Pixels);
            }
        }
    }

    /// <summary>The textbook version: BFS labelling, the largest label (first on ties), a border flood of the rest.</summary>
    private static bool[] NaiveLargestFilled(byte[] mask, int h, int w, bool eight)
    {
        var label = new int[h * w];
        var sizes = new List<int> { 0 };
        (int, int)[] four = [(-1, 0), (0, -1), (0, 1), (1, 0)];
        (int, int)[] all = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)];
        (int, int)[] fgSteps = eight ? all : four;
        (int, int)[] bgSteps = eight ? four : all;
        for (int i = 0; i < h * w; i++)
        {
            if (mask[i] <= 128 || label[i] != 0)
            {
                continue;
            }

            int id = sizes.Count, size = 0;
            sizes.Add(0);
            var queue = new Queue<int>([i]);
            label[i] = id;
            while (queue.TryDequeue(out int p))
            {
                size++;
                foreach (var (dy, dx) in fgSteps)
                {
                    int y = (p / w) + dy, x = (p % w) + dx;
                    if (y >= 0 && y < h && x >= 0 && x < w && mask[(y * w) + x] > 128 && label[(y * w) + x] == 0)
                    {
                        label[(y * w) + x] = id;
                        queue.Enqueue((y * w) + x);
                    }
                }
            }

            sizes[id] = size;
        }

        var result = new bool[h * w];
        if (sizes.Count == 1)
        {
            return result;
        }

        int best = 1;
        for (int id = 2; id < sizes.Count; id++)
        {
            if (sizes[id] > sizes[best])
            {
                best = id;
            }
        }

        var outside = new bool[h * w];
        var flood = new Queue<int>();
        for (int i = 0; i < h * w; i++)
        {
            int y = i / w, x = i % w;
            if ((y == 0 || x == 0 || y == h - 1 || x == w - 1) && label[i] != best)
            {
                outside[i] = true;
                flood.Enqueue(i);
            }
        }

        while (flood.TryDequeue(out int p))
        {
            foreach (var (dy, dx) in bgSteps)
            {
                int y = (p / w) + dy, x = (p % w) + dx;
                if (y >= 0 && y < h && x >= 0 && x < w && !outside[(y * w) + x] && label[(y * w) + x] != best)
                {
                    outside[(y * w) + x] = true;
                    flood.Enqueue((y * w) + x);
                }
            }
        }

        for (int i = 0; i < h * w; i++)
        {
            result[i] = !outside[i];
        }

        return result;
    }

    [Fact]
    public void White_background_view_keeps_the_foreground_and_whitens_the_rest()
    {
        using var scope = NewDisposeScope();
        Tensor image = PositionImage(5, 6);
        Tensor mask = Mask(
            "......",
            ".##-..",
            ".#o#..",
            "......",
            "......");
        Tensor view = InstancePostProcessor.OnWhite(image, mask);
        Tensor keep = mask.gt(128).unsqueeze(0).expand(3, 5, 6);
        Assert.True(view.masked_select(keep).Equals(image.masked_select(keep)));
        Assert.True(view.masked_select(keep.logical_not()).eq(255).all().item<bool>());
    }

    [Fact]
    public void Mismatched_inputs_are_rejected()
    {
        using var scope = NewDisposeScope();
        var processor = new InstancePostProcessor();
        Assert.Throws<ArgumentException>(() => processor.Process(zeros(3, 4, 5, ScalarType.Byte), zeros(4, 6, ScalarType.Byte)));
        Assert.Throws<ArgumentException>(() => processor.Process(zeros(3, 4, 5, ScalarType.Float32), zeros(4, 5, ScalarType.Byte)));
        var invalid = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => new InstancePostProcessor(new() { MinArea = 0.5, MaxArea = 0.4, MinSide = 0 }));
        Assert.Equal(2, invalid.Failures.Count()); // every problem, not the first
        Assert.Contains(invalid.Failures, f => f.Contains("MinArea (0.5) <= MaxArea (0.4)", StringComparison.Ordinal));
    }
}
