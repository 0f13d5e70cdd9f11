using XPaste.Abstractions;
using XPaste.Imaging;
using static TorchSharp.torch;

namespace XPaste.Tests;

/// <summary>An extractor whose mask is a function of the image.</summary>
internal sealed class FakeExtractor(string name, Func<Tensor, Tensor> mask, Action<int>? onImages = null) : IInstanceExtractor
{
    public string Name => name;

    public int Calls { get; private set; }

    public IReadOnlyList<Tensor> Extract(IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories, CancellationToken cancellationToken = default)
    {
        Calls++;
        onImages?.Invoke(images.Count);
        return images.Select(mask).ToList();
    }

    /// <summary>A mask of 255 over the rectangle <c>[x, x+w) x [y, y+h)</c>.</summary>
    public static Func<Tensor, Tensor> Rectangle(int x, int y, int w, int h) => image =>
    {
        Tensor m = zeros(image.shape[1], image.shape[2], ScalarType.Byte, image.device);
        m.narrow(0, y, h).narrow(1, x, w).fill_(255);
        return m;
    };
}

/// <summary>
/// Scores a view by how much of it is not white (100 x fraction), so a bigger mask scores higher; decides with the
/// reference's rule <c>score &gt;= min(MinScore, best - Tolerance)</c>. Records every call.
/// </summary>
internal sealed class FakeFilter(float minScore = 21, float tolerance = 1) : IZeroShotFilter
{
    public List<(CategoryInfo Category, int Count)> ScoreCalls { get; } = [];

    public List<float[]> DecideCalls { get; } = [];

    public float[] Score(IReadOnlyList<Tensor> images, CategoryInfo category, CancellationToken cancellationToken = default)
    {
        ScoreCalls.Add((category, images.Count));
        float[] scores = images.Select(view =>
        {
            using Tensor notWhite = view.lt(255).any(0);
            using Tensor mean = notWhite.to(ScalarType.Float32).mean();
            return 100 * mean.item<float>();
        }).ToArray();
        return scores;
    }

    public bool[] Decide(IReadOnlyList<float> scores)
    {
        DecideCalls.Add(scores.ToArray());
        if (scores.Count == 0)
        {
            return [];
        }

        float bar = Math.Min(minScore, scores.Max() - tolerance);
        return scores.Select(s => s >= bar).ToArray();
    }

    public double? KeepThreshold(IReadOnlyList<float> scores) => scores.Count == 0 ? null : Math.Min(minScore, scores.Max() - tolerance);
}

/// <summary>Writes <c>{root}/{category}/{k:04d}.png</c> scenes: a coloured rectangle on a plain background, noise added.</summary>
internal static class SceneFolder
{
    /// <summary>Per image: the rectangle's side as a fraction of the canvas (0 = no object).</summary>
    public static void Write(string root, IReadOnlyDictionary<string, double[]> categories, ulong seed = 1)
    {
        var generator = new Generator(seed);
        foreach (var (category, sides) in categories)
        {
            for (int k = 0; k < sides.Length; k++)
            {
                const int H = 60, W = 80;
                Tensor canvas = full(new long[] { 3, H, W }, 210f);
                int h = (int)Math.Round(sides[k] * H), w = (int)Math.Round(sides[k] * W);
                if (h > 0 && w > 0)
                {
                    int y = (H - h) / 2, x = (W - w) / 2;
                    canvas.narrow(1, y, h).narrow(2, x, w).copy_(tensor(new float[] { 30 + (k * 20 % 120), 60, 150 }).view(3, 1, 1).expand(3, h, w));
                }

                using Tensor image = canvas.add(randn(new long[] { 3, H, W }, generator: generator).mul(3)).round().clamp(0, 255).to(ScalarType.Byte);
                canvas.Dispose();
                ImageIO.SavePng(image, Path.Combine(root, category, $"{k:0000}.png"));
            }
        }
    }
}
