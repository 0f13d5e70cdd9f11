using XPaste.Augment;
using static TorchSharp.torch;

namespace XPaste.Tests;

/// <summary>Small seeded datasets and instance pools made of ellipses, for tests that need many varied samples.</summary>
internal static class SyntheticData
{
    /// <summary>An ellipse mask [h,w] centred at (cx, cy) with radii (rx, ry).</summary>
    public static Tensor Ellipse(int h, int w, double cx, double cy, double rx, double ry)
    {
        using var scope = NewDisposeScope();
        Tensor y = arange(h, ScalarType.Float32).view(-1, 1).sub(cy).div(ry).square();
        Tensor x = arange(w, ScalarType.Float32).view(1, -1).sub(cx).div(rx).square();
        return x.add(y).le(1).MoveToOuterDisposeScope();
    }

    /// <summary>Images of varied sizes with 0-6 ellipse objects each, categories 1-5.</summary>
    public static InMemoryImageSource Dataset(int count, int seed = 1, int minSide = 48, int maxSide = 96)
    {
        var random = new PasteRandom((ulong)seed);
        var source = new InMemoryImageSource();
        for (int i = 0; i < count; i++)
        {
            using var scope = NewDisposeScope();
            int h = random.NextInt(minSide, maxSide + 1), w = random.NextInt(minSide, maxSide + 1);
            // A deterministic texture: varied pixel values without a random generator.
            Tensor image = arange(3L * h * w, ScalarType.Int64).mul(random.NextInt(3, 997)).add(random.NextInt(256)).remainder(256).to(ScalarType.Byte).view(3, h, w);
            int n = random.NextInt(0, 7);
            var masks = new List<Tensor>();
            var labels = new List<long>();
            for (int k = 0; k < n; k++)
            {
                masks.Add(Ellipse(h, w, random.NextUniform(0, w), random.NextUniform(0, h), random.NextUniform(3, w / 3.0), random.NextUniform(3, h / 3.0)));
                labels.Add(random.NextInt(1, 6));
            }

            Tensor m = n == 0 ? zeros([0, h, w], ScalarType.Bool) : stack(masks, 0);
            source.Add(new AnnotatedImage($"img{i}", image.MoveToOuterDisposeScope(), m.MoveToOuterDisposeScope(), labels));
        }

        return source;
    }

    /// <summary>RGBA ellipse cut-outs of varied sizes; instance i has category 1 + i % categories.</summary>
    public static InMemoryInstancePool Pool(int count, int categories = 4, int seed = 2, int minSide = 8, int maxSide = 40)
    {
        var random = new PasteRandom((ulong)seed);
        var pool = new InMemoryInstancePool();
        for (int i = 0; i < count; i++)
        {
            using var scope = NewDisposeScope();
            int h = random.NextInt(minSide, maxSide + 1), w = random.NextInt(minSide, maxSide + 1);
            Tensor rgb = full([3, h, w], (byte)random.NextInt(256), ScalarType.Byte);
            rgb[0].fill_((byte)random.NextInt(256));
            Tensor alpha = Ellipse(h, w, (w - 1) / 2.0, (h - 1) / 2.0, w / 2.0, h / 2.0).to(ScalarType.Byte).mul(255).unsqueeze(0);
            pool.Add($"inst{i}", 1 + (i % categories), cat([rgb, alpha], 0).MoveToOuterDisposeScope());
        }

        return pool;
    }
}
