using XPaste.Augment;
using XPaste.Coco;

namespace XPaste.Tests.Policies;

public sealed class XPastePolicyTests
{
    private static CategorySizeStatistics Stats(Dictionary<int, SizeDistribution> perCategory, SizeDistribution global) =>
        new() { Categories = perCategory, Global = global };

    private static PasteContext Context(IPasteInstancePool pool, CategorySizeStatistics? sizes = null, int w = 640, int h = 480) =>
        new(w, h, [], pool, null, sizes);

    [Fact]
    public void Counts_are_uniform_from_0_to_19_before_rejections()
    {
        using InMemoryInstancePool pool = SyntheticData.Pool(10);
        // A tiny fixed size that is never rejected, so the plan length is the drawn count.
        var sizes = Stats(new Dictionary<int, SizeDistribution>(), new SizeDistribution(0.1, 0, 1));
        var policy = new XPastePolicy(new XPastePolicyOptions { AspectJitter = 0 });
        var seen = new int[20];
        for (ulong seed = 0; seed < 4000; seed++)
        {
            int n = policy.Plan(Context(pool, sizes), new PasteRandom(seed)).Count;
            Assert.InRange(n, 0, 19);
            seen[n]++;
        }

        // 200 expected each; 5 sigma is about +-70.
        Assert.All(seen, c => Assert.InRange(c, 130, 270));
    }

    [Fact]
    public void Every_step_has_an_accepted_size_and_its_centre_inside_the_image()
    {
        using InMemoryInstancePool pool = SyntheticData.Pool(30);
        var policy = new XPastePolicy();
        var sizes = Stats(new Dictionary<int, SizeDistribution> { [1] = new(0.4, 0.3, 1) }, new SizeDistribution(0.2, 0.2, 1));
        int steps = 0;
        for (ulong seed = 0; seed < 500; seed++)
        {
            foreach (InstancePasteStep s in policy.Plan(Context(pool, sizes), new PasteRandom(seed)).Cast<InstancePasteStep>())
            {
                steps++;
                Assert.InRange(s.Width, 5, 639);
                Assert.InRange(s.Height, 5, 479);
                double cx = s.X + (s.Width / 2.0), cy = s.Y + (s.Height / 2.0);
                Assert.InRange(cx, 0, 640);
                Assert.InRange(cy, 0, 480);
                PasteInstanceInfo info = pool.Instances[s.Instance];
                Assert.Equal(info.Id, s.InstanceId);
                Assert.Equal(info.CategoryId, s.CategoryId);
                // Aspect ratio within the 0.8-1.2 jitter of the instance's own, up to truncation to whole pixels: the
                // reference truncates the width after taking the height from it, so the width can lose up to one pixel
                // (a factor 1 - 1/width) and the height one pixel (a factor up to 1 + 1/height).
                double ratio = (double)s.Width / s.Height / ((double)info.Width / info.Height);
                Assert.InRange(ratio, 0.8 * (1 - (1.0 / s.Width)), 1.2 * (1 + (1.0 / s.Height)) + (1.0 / s.Height));
            }
        }

        Assert.True(steps > 1000);
    }

    [Fact]
    public void Sizes_follow_the_category_statistics_with_the_reference_formula()
    {
        using InMemoryInstancePool pool = SyntheticData.Pool(8, categories: 2);
        var sizes = Stats(
            new Dictionary<int, SizeDistribution> { [1] = new(0.3, 0, 1), [2] = new(0.0001, 0, 1) },
            new SizeDistribution(0.2, 0, 1));
        var policy = new XPastePolicy(new XPastePolicyOptions { AspectJitter = 0 });
        int checkedSteps = 0, differsFromTruncatedWidth = 0;
        for (ulong seed = 0; seed < 100; seed++)
        {
            foreach (InstancePasteStep s in policy.Plan(Context(pool, sizes), new PasteRandom(seed)).Cast<InstancePasteStep>())
            {
                PasteInstanceInfo info = pool.Instances[s.Instance];
                double ratio = (double)info.Width / info.Height;
                // Category 2 is clipped up to 10 px / H.
                double rel = s.CategoryId == 1 ? 0.3 : 10.0 / 480;
                double area = rel * rel * 640 * 480;
                // The reference takes the height from the width before truncating it.
                double exactWidth = Math.Sqrt(ratio * area);
                int tw = (int)exactWidth;
                int th = (int)(exactWidth / ratio);
                if (tw < 5 || th < 5)
                {
                    continue; // rejected, so never in the plan
                }

                Assert.Equal(tw, s.Width);
                Assert.Equal(th, s.Height);
                differsFromTruncatedWidth += th != (int)(tw / ratio) ? 1 : 0;
                checkedSteps++;
            }
        }

        Assert.True(checkedSteps > 100);
        // The cases include ones where the two roundings disagree, so the test tells them apart.
        Assert.True(differsFromTruncatedWidth > 10, $"only {differsFromTruncatedWidth} steps tell the roundings apart");
    }

    [Fact]
    public void Symmetric_rounding_takes_the_height_from_the_truncated_width()
    {
        using InMemoryInstancePool pool = SyntheticData.Pool(8, categories: 1);
        var sizes = Stats(new Dictionary<int, SizeDistribution>(), new SizeDistribution(0.3, 0, 1));
        var policy = new XPastePolicy(new XPastePolicyOptions { AspectJitter = 0, Rounding = PlacementRounding.Symmetric });
        int checkedSteps = 0;
        for (ulong seed = 0; seed < 50; seed++)
        {
            foreach (InstancePasteStep s in policy.Plan(Context(pool, sizes), new PasteRandom(seed)).Cast<InstancePasteStep>())
            {
                PasteInstanceInfo info = pool.Instances[s.Instance];
                double ratio = (double)info.Width / info.Height;
                int tw = (int)Math.Sqrt(ratio * 0.3 * 0.3 * 640 * 480);
                Assert.Equal(tw, s.Width);
                Assert.Equal((int)(tw / ratio), s.Height);
                checkedSteps++;
            }
        }

        Assert.True(checkedSteps > 100);
    }

    [Theory]
    [InlineData(PlacementRounding.Reference, 40 - 6 - 1)]
    [InlineData(PlacementRounding.Symmetric, 40 - 5 - 1)]
    public void The_position_range_for_an_odd_width_ends_where_the_rounding_says(PlacementRounding rounding, int largestX)
    {
        // One square instance, a fixed size: every step is 11x11 on a 40x40 image. The left edge is drawn in
        // [-5, 40 - 5.5) truncated by numpy to [-5, 34) in the reference, [-5, 35) with symmetric rounding.
        using InMemoryInstancePool pool = SyntheticData.Pool(1, categories: 1, minSide: 20, maxSide: 20);
        var sizes = Stats(new Dictionary<int, SizeDistribution>(), new SizeDistribution(11.5 / 40, 0, 1));
        var policy = new XPastePolicy(new XPastePolicyOptions { AspectJitter = 0, MinCount = 19, Rounding = rounding });
        int minX = int.MaxValue, maxX = int.MinValue, maxY = int.MinValue;
        for (ulong seed = 0; seed < 300; seed++)
        {
            foreach (InstancePasteStep s in policy.Plan(Context(pool, sizes, 40, 40), new PasteRandom(seed)).Cast<InstancePasteStep>())
            {
                Assert.Equal(11, s.Width);
                Assert.Equal(11, s.Height);
                minX = Math.Min(minX, s.X);
                maxX = Math.Max(maxX, s.X);
                maxY = Math.Max(maxY, s.Y);
            }
        }

        Assert.Equal(-5, minX);
        Assert.Equal(largestX, maxX);
        Assert.Equal(largestX, maxY);
    }

    [Fact]
    public void Categories_without_statistics_use_the_global_distribution()
    {
        using InMemoryInstancePool pool = SyntheticData.Pool(4, categories: 1);
        var sizes = Stats(new Dictionary<int, SizeDistribution> { [99] = new(0.45, 0, 1) }, new SizeDistribution(0.1, 0, 1));
        var policy = new XPastePolicy(new XPastePolicyOptions { AspectJitter = 0, MinCount = 5 });
        foreach (InstancePasteStep s in policy.Plan(Context(pool, sizes, 500, 500), new PasteRandom(1)).Cast<InstancePasteStep>())
        {
            Assert.InRange(Math.Sqrt((double)s.Width * s.Height) / 500, 0.08, 0.1);
        }
    }

    [Theory]
    [InlineData(InstanceSampling.ClassBalanced, 0.5)]
    [InlineData(InstanceSampling.Uniform, 0.01)]
    public void Class_balanced_sampling_picks_categories_uniformly(InstanceSampling sampling, double expectedRareShare)
    {
        // Category 1 has one instance, category 2 has 99.
        using var pool = new InMemoryInstancePool();
        pool.Add("rare", 1, SyntheticData.Pool(1).Load(0));
        using InMemoryInstancePool common = SyntheticData.Pool(99, categories: 1);
        for (int i = 0; i < 99; i++)
        {
            pool.Add($"common{i}", 2, common.Load(i));
        }

        var sizes = Stats(new Dictionary<int, SizeDistribution>(), new SizeDistribution(0.1, 0, 1));
        var policy = new XPastePolicy(new XPastePolicyOptions { Sampling = sampling, MinCount = 19, AspectJitter = 0 });
        int rare = 0, total = 0;
        for (ulong seed = 0; seed < 500; seed++)
        {
            foreach (InstancePasteStep s in policy.Plan(Context(pool, sizes), new PasteRandom(seed)).Cast<InstancePasteStep>())
            {
                total++;
                rare += s.CategoryId == 1 ? 1 : 0;
            }
        }

        Assert.InRange((double)rare / total, expectedRareShare * 0.85, (expectedRareShare * 1.15) + 0.005);
    }

    [Fact]
    public void Flips_happen_about_half_the_time()
    {
        using InMemoryInstancePool pool = SyntheticData.Pool(10);
        var policy = new XPastePolicy(new XPastePolicyOptions { MinCount = 19 });
        InstancePasteStep[] steps = [.. Enumerable.Range(0, 200).SelectMany(seed => policy.Plan(Context(pool), new PasteRandom((ulong)seed))).Cast<InstancePasteStep>()];
        double share = steps.Count(s => s.Flip) / (double)steps.Length;
        Assert.InRange(share, 0.45, 0.55);
    }

    [Fact]
    public void Invalid_options_and_missing_pool_are_reported()
    {
        Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => new XPastePolicy(new XPastePolicyOptions { MinCount = 5, MaxCount = 2 }));
        Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => new XPastePolicy(new XPastePolicyOptions { MaxSize = 0 }));
        Assert.Throws<InvalidOperationException>(() => new XPastePolicy().Plan(new PasteContext(10, 10, []), new PasteRandom(0)));
    }
}
