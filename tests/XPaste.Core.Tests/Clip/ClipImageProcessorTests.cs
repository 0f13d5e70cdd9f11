using XPaste.Clip;
using XPaste.Imaging;
using static TorchSharp.torch;

namespace XPaste.Tests.Clip;

public sealed class ClipImageProcessorTests
{
    private static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];
    private static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    [Theory]
    [InlineData(50, 70)]
    [InlineData(300, 451)]
    [InlineData(97, 33)]
    public void Resize_matches_pils_bicubic_resample_up_to_fixed_point_rounding(int height, int width)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(42);
        Tensor image = randint(0, 256, [3, height, width], ScalarType.Byte, generator: generator);
        var processor = new ClipImageProcessor();

        Tensor resized = processor.Resize(image.to(ScalarType.Float32).unsqueeze(0)).squeeze(0).to(ScalarType.Byte);
        byte[] reference = PilBicubic.Resize(image.data<byte>().ToArray(), 3, height, width,
            (int)resized.shape[1], (int)resized.shape[2]);

        Tensor diff = (resized.to(ScalarType.Int32) - tensor(reference, resized.shape).to(ScalarType.Int32)).abs();
        // PIL rounds 22-bit fixed-point sums, torch float32 ones: near-ties round apart by one level, and the
        // upscaling kernel (weights summing |w| > 1) can carry a first-pass tie into a two-level difference.
        int worst = diff.max().item<int>();
        float share = diff.gt(0).to(ScalarType.Float32).mean().item<float>();
        long twoLevel = diff.gt(1).sum().item<long>();
        Assert.True(worst <= 2, $"max difference {worst} levels");
        Assert.True(twoLevel <= 2, $"{twoLevel} pixels differ by two levels");
        Assert.True(share < 0.01, $"{share:P2} of the pixels differ");
    }

    [Theory]
    [InlineData(480, 640, 224, 298)]
    [InlineData(640, 480, 298, 224)]
    [InlineData(100, 100, 224, 224)]
    [InlineData(224, 1000, 224, 1000)]
    public void Shorter_side_becomes_224_and_the_longer_one_is_truncated(int height, int width, int newHeight, int newWidth)
    {
        using var scope = NewDisposeScope();
        Tensor resized = new ClipImageProcessor().Resize(zeros(1, 3, height, width));
        Assert.Equal(new long[] { 1, 3, newHeight, newWidth }, resized.shape);
    }

    [Fact]
    public void Crop_takes_the_floor_centred_window_and_normalises_with_clips_statistics()
    {
        using var scope = NewDisposeScope();
        // 224 x 229: no resize is needed, the crop starts at column (229 - 224) / 2 = 2.
        Tensor column = arange(229, ScalarType.Int64).remainder(256).to(ScalarType.Byte);
        Tensor image = stack([column, column.flip(0), full(229, 7, ScalarType.Byte)], 0).unsqueeze(1).expand(3, 224, 229).contiguous();

        Tensor batch = new ClipImageProcessor().Preprocess([image]);

        Assert.Equal(new long[] { 1, 3, 224, 224 }, batch.shape);
        Tensor expected = image.narrow(2, 2, 224).to(ScalarType.Float32).div(255)
            .sub(tensor(Mean).view(3, 1, 1)).div(tensor(Std).view(3, 1, 1));
        ClipModelTests.AssertClose(expected.unsqueeze(0), batch, 1e-5);
    }

    [Fact]
    public void Batches_mix_sizes_and_constant_images_stay_constant()
    {
        using var scope = NewDisposeScope();
        Tensor red = full([3, 120, 90], 0, ScalarType.Byte);
        red[0] = full([120, 90], 200, ScalarType.Byte);
        Tensor grey = full([3, 300, 500], 128, ScalarType.Byte);

        Tensor batch = new ClipImageProcessor().Preprocess([red, grey]);

        Assert.Equal(new long[] { 2, 3, 224, 224 }, batch.shape);
        Assert.Equal(ScalarType.Float32, batch.dtype);
        float[] values = batch.amax([2, 3]).data<float>().ToArray().Concat(batch.amin([2, 3]).data<float>().ToArray()).ToArray();
        float[] expected = [(200 / 255f - Mean[0]) / Std[0], (0 - Mean[1]) / Std[1], (0 - Mean[2]) / Std[2],
            (128 / 255f - Mean[0]) / Std[0], (128 / 255f - Mean[1]) / Std[1], (128 / 255f - Mean[2]) / Std[2]];
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal(expected[i % 6], values[i], 4);
        }
    }

    [Fact]
    public void Preprocess_rejects_what_is_not_uint8_rgb()
    {
        using var scope = NewDisposeScope();
        var processor = new ClipImageProcessor();
        Assert.Throws<ArgumentException>(() => processor.Preprocess([]));
        Assert.Throws<ArgumentException>(() => processor.Preprocess([zeros(3, 10, 10)]));
        Assert.Throws<ArgumentException>(() => processor.Preprocess([zeros([4, 10, 10], ScalarType.Byte)]));
        Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => new ClipImageProcessor(new ClipImageProcessorOptions { CropSize = 300 }));
    }

    [Fact]
    public void White_background_keeps_the_foreground_above_128_and_whitens_the_rest()
    {
        using var scope = NewDisposeScope();
        Tensor image = ImageIO.Load(TestFiles.Data("images", "coffee.png"), new ImageLoadOptions { Channels = ImageChannels.Rgb });
        long h = image.shape[1], w = image.shape[2];
        Tensor mask = zeros([h, w], ScalarType.Byte);
        mask[TensorIndex.Slice(10, 50), TensorIndex.Slice(20, 80)] = tensor((byte)200);
        mask[TensorIndex.Slice(0, 5), TensorIndex.Slice(0, 5)] = tensor((byte)128);

        Tensor view = ClipImageProcessor.WhiteBackground(image, mask);

        Assert.Equal(image.shape, view.shape);
        Tensor keep = mask.gt(128).unsqueeze(0).expand_as(image);
        Assert.True(view.masked_select(keep).eq(image.masked_select(keep)).all().item<bool>());
        Assert.True(view.masked_select(keep.logical_not()).eq(255).all().item<bool>());

        // RGBA cut-outs are scored through their alpha the same way.
        Tensor rgba = cat([image, mask.unsqueeze(0)], 0);
        Assert.True(ClipImageProcessor.ScoringView(rgba).eq(view).all().item<bool>());
    }

    /// <summary>An independent re-implementation of Pillow's ImagingResample (bicubic, 8 bits per channel, fixed point).</summary>
    private static class PilBicubic
    {
        private const int PrecisionBits = 32 - 8 - 2;

        public static byte[] Resize(byte[] chw, int channels, int height, int width, int outHeight, int outWidth)
        {
            var output = new byte[channels * outHeight * outWidth];
            for (int c = 0; c < channels; c++)
            {
                var plane = new byte[height * width];
                Array.Copy(chw, c * height * width, plane, 0, plane.Length);
                byte[] horizontal = Pass(plane, height, width, outWidth, horizontal: true);
                byte[] both = Pass(horizontal, height, outWidth, outHeight, horizontal: false);
                Array.Copy(both, 0, output, c * outHeight * outWidth, both.Length);
            }

            return output;
        }

        private static byte[] Pass(byte[] plane, int height, int width, int outSize, bool horizontal)
        {
            int inSize = horizontal ? width : height;
            if (inSize == outSize)
            {
                return plane;
            }

            var (bounds, kernels) = Coefficients(inSize, outSize);
            int outHeight = horizontal ? height : outSize, outWidth = horizontal ? outSize : width;
            var result = new byte[outHeight * outWidth];
            for (int y = 0; y < outHeight; y++)
            {
                for (int x = 0; x < outWidth; x++)
                {
                    int o = horizontal ? x : y;
                    var (min, count) = bounds[o];
                    long sum = 1L << (PrecisionBits - 1);
                    for (int k = 0; k < count; k++)
                    {
                        int source = horizontal ? plane[y * width + min + k] : plane[(min + k) * width + x];
                        sum += source * (long)kernels[o][k];
                    }

                    long value = sum >> PrecisionBits;
                    result[y * outWidth + x] = (byte)Math.Clamp(value, 0, 255);
                }
            }

            return result;
        }

        private static ((int Min, int Count)[] Bounds, int[][] Kernels) Coefficients(int inSize, int outSize)
        {
            const double support0 = 2.0;
            double scale = (double)inSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = support0 * filterScale;
            var bounds = new (int, int)[outSize];
            var kernels = new int[outSize][];
            for (int xx = 0; xx < outSize; xx++)
            {
                double center = (xx + 0.5) * scale;
                int xmin = Math.Max(0, (int)(center - support + 0.5));
                int xmax = Math.Min(inSize, (int)(center + support + 0.5)) - xmin;
                var weights = new double[xmax];
                double total = 0;
                for (int x = 0; x < xmax; x++)
                {
                    weights[x] = Cubic((x + xmin - center + 0.5) / filterScale);
                    total += weights[x];
                }

                kernels[xx] = weights.Select(w => total != 0 ? w / total : w)
                    .Select(w => w < 0 ? (int)(-0.5 + w * (1 << PrecisionBits)) : (int)(0.5 + w * (1 << PrecisionBits))).ToArray();
                bounds[xx] = (xmin, xmax);
            }

            return (bounds, kernels);
        }

        private static double Cubic(double x)
        {
            const double a = -0.5;
            x = Math.Abs(x);
            return x < 1 ? ((a + 2) * x - (a + 3)) * x * x + 1
                : x < 2 ? (((x - 5) * x + 8) * x - 4) * a
                : 0;
        }
    }
}
