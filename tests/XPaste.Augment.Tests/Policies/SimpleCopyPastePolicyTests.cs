using XPaste.Augment;

namespace XPaste.Tests.Policies;

public sealed class SimpleCopyPastePolicyTests
{
    [Fact]
    public void Picks_a_uniform_subset_below_min_n_plus_1_and_the_cap_with_the_destinations_size()
    {
        using InMemoryImageSource dataset = SyntheticData.Dataset(12);
        var policy = new SimpleCopyPastePolicy(new SimpleCopyPasteOptions { MaxObjects = 4 });
        var context = new PasteContext(320, 200, [], null, dataset);
        var counts = new int[4];
        for (ulong seed = 0; seed < 2000; seed++)
        {
            IReadOnlyList<PasteStep> steps = policy.Plan(context, new PasteRandom(seed));
            Assert.InRange(steps.Count, 0, 1);
            if (steps.Count == 0)
            {
                counts[0]++;
                continue;
            }

            var s = (ImagePasteStep)steps[0];
            AnnotatedImageInfo info = dataset.Images[s.Image];
            Assert.Equal(info.Id, s.ImageId);
            Assert.InRange(s.Objects.Count, 1, Math.Min(info.ObjectCount, 3));
            Assert.Equal(s.Objects.Count, s.Objects.Distinct().Count());
            Assert.All(s.Objects, o => Assert.InRange(o, 0, info.ObjectCount - 1));
            Assert.Equal((320, 200), (s.Jitter.OutputWidth, s.Jitter.OutputHeight));
            Assert.Equal((info.Width, info.Height), (s.Jitter.SourceWidth, s.Jitter.SourceHeight));
            counts[s.Objects.Count]++;
        }

        Assert.All(counts, c => Assert.True(c > 100));
    }

    [Fact]
    public void Without_jitter_the_source_is_only_cropped_or_padded()
    {
        using InMemoryImageSource dataset = SyntheticData.Dataset(5);
        var policy = new SimpleCopyPastePolicy(new SimpleCopyPasteOptions { UseJitter = false });
        foreach (ImagePasteStep s in Enumerable.Range(0, 50).SelectMany(seed => policy.Plan(new PasteContext(64, 64, [], null, dataset), new PasteRandom((ulong)seed))).Cast<ImagePasteStep>())
        {
            AnnotatedImageInfo info = dataset.Images[s.Image];
            Assert.Equal(JitterPlan.Identity(info.Width, info.Height, 64, 64), s.Jitter);
        }
    }

    [Fact]
    public void Both_runs_xpaste_then_simple_copy_paste()
    {
        using InMemoryImageSource dataset = SyntheticData.Dataset(6);
        using InMemoryInstancePool pool = SyntheticData.Pool(6);
        var both = new CompositePastePolicy(new XPastePolicy(new XPastePolicyOptions { MinCount = 3 }), new SimpleCopyPastePolicy());
        int imageSteps = 0;
        for (ulong seed = 0; seed < 50; seed++)
        {
            IReadOnlyList<PasteStep> steps = both.Plan(new PasteContext(200, 200, [], pool, dataset), new PasteRandom(seed));
            int firstImage = steps.ToList().FindIndex(s => s is ImagePasteStep);
            if (firstImage >= 0)
            {
                imageSteps++;
                Assert.All(steps.Take(firstImage), s => Assert.IsType<InstancePasteStep>(s));
                Assert.Equal(steps.Count - 1, firstImage);
            }
        }

        Assert.True(imageSteps > 10);
    }
}
