using XPaste.Augment;
using XPaste.Coco;
using XPaste.Tests.Kernel;
using static TorchSharp.torch;

namespace XPaste.Tests.Pipeline;

public sealed class XPasteAugmenterTests : IDisposable
{
    private readonly InMemoryImageSource _dataset = SyntheticData.Dataset(10);
    private readonly InMemoryInstancePool _pool = SyntheticData.Pool(24);

    public void Dispose()
    {
        _dataset.Dispose();
        _pool.Dispose();
    }

    private XPasteAugmenter Build(PastePolicyKind policy, long seed = 0, Action<XPasteOptions>? configure = null) =>
        XPastePipeline.CreateBuilder()
            .UseDataset(_dataset)
            .UseInstancePool(_pool)
            .UseSizeStatistics(new CategorySizeStatistics { Categories = new Dictionary<int, SizeDistribution> { [1] = new(0.3, 0.1, 1) }, Global = new SizeDistribution(0.15, 0.1, 1) })
            .Configure(o =>
            {
                o.Policy = policy;
                o.Seed = seed;
                o.Jitter.OutputWidth = 64;
                o.Jitter.OutputHeight = 48;
                o.BatchSize = 4;
                configure?.Invoke(o);
            })
            .Build();

    [Theory]
    [InlineData(PastePolicyKind.XPaste)]
    [InlineData(PastePolicyKind.SimpleCopyPaste)]
    [InlineData(PastePolicyKind.Both)]
    public void Every_output_has_tight_boxes_non_empty_masks_and_lengths_that_agree(PastePolicyKind policy)
    {
        XPasteAugmenter augmenter = Build(policy, seed: 17);
        int pasted = 0;
        for (long sample = 0; sample < 60; sample += 6)
        {
            using var scope = NewDisposeScope();
            using AugmentedBatch batch = augmenter.Augment([0, 1, 2, 3, 4, 5], sample);
            Assert.Equal(new long[] { 6, 3, 48, 64 }, batch.Images.shape);
            Assert.Equal(6, batch.Targets.Count);
            Assert.Equal(6, batch.Plans.Count);
            foreach (PasteTargets t in batch.Targets)
            {
                T.AssertConsistent(t, 48, 64);
                pasted += T.ToBools(t.IsPasted).Count(p => p);
            }
        }

        Assert.True(pasted > 20, $"only {pasted} pasted objects survived");
    }

    [Fact]
    public void Original_objects_come_first_and_pasted_ones_are_flagged_in_paste_order()
    {
        using var scope = NewDisposeScope();
        // Destination 3 without jitter: its objects as loaded, then the plan's instances.
        AnnotatedImageInfo info = _dataset.Images[3];
        using var unjittered = XPastePipeline.CreateBuilder().UseDataset(_dataset).UseInstancePool(_pool)
            .Configure(o => { o.UseJitter = false; o.XPaste.MinCount = 5; }).Build().Augment([3], 0);
        bool[] flags = T.ToBools(unjittered.Targets[0].IsPasted);
        int firstPasted = Array.IndexOf(flags, true);
        Assert.True(firstPasted >= 0);
        Assert.All(flags.Skip(firstPasted), Assert.True);
        Assert.True(firstPasted <= info.ObjectCount);
        long[] labels = T.ToLongs(unjittered.Targets[0].Labels);
        long[] planned = [.. unjittered.Plans[0].Steps.Cast<InstancePasteStep>().Select(s => (long)s.CategoryId)];
        // Pasted labels are a subsequence of the planned ones (some may be fully covered later).
        int j = 0;
        foreach (long l in labels.Skip(firstPasted))
        {
            while (j < planned.Length && planned[j] != l)
            {
                j++;
            }

            Assert.True(j < planned.Length);
            j++;
        }
    }

    [Fact]
    public void The_same_seed_gives_identical_batches_and_another_seed_does_not()
    {
        using var scope = NewDisposeScope();
        using AugmentedBatch a = Build(PastePolicyKind.Both, seed: 3).Augment([1, 2, 3, 4], 100);
        using AugmentedBatch b = Build(PastePolicyKind.Both, seed: 3).Augment([1, 2, 3, 4], 100);
        using AugmentedBatch c = Build(PastePolicyKind.Both, seed: 4).Augment([1, 2, 3, 4], 100);
        AssertIdentical(a, b);
        Assert.NotEqual(T.ToBytes(a.Images), T.ToBytes(c.Images));
    }

    [Fact]
    public void Replaying_logged_plans_reproduces_the_samples_exactly()
    {
        XPasteAugmenter augmenter = Build(PastePolicyKind.Both, seed: 9);
        using var scope = NewDisposeScope();
        using AugmentedBatch original = augmenter.Augment([5, 6, 7], 42);
        string[] log = [.. original.Plans.Select(p => p.ToJson())];

        // A fresh augmenter (another seed even: replay draws nothing) executes the logged plans.
        using AugmentedBatch replayed = Build(PastePolicyKind.XPaste, seed: 1234).Replay([.. log.Select(SamplePlan.FromJson)]);
        AssertIdentical(original, replayed);
    }

    [Fact]
    public void Caller_supplied_destinations_are_planned_and_replayed()
    {
        XPasteAugmenter augmenter = Build(PastePolicyKind.XPaste, seed: 2);
        using var scope = NewDisposeScope();
        using AnnotatedImage d0 = _dataset.Load(0);
        using AnnotatedImage d1 = _dataset.Load(1);
        using AugmentedBatch batch = augmenter.Augment([d0, d1], 0);
        Assert.All(batch.Plans, p => Assert.Equal(-1, p.Destination));
        using AugmentedBatch again = augmenter.Replay(batch.Plans, [d0, d1]);
        AssertIdentical(batch, again);
        // The destinations were not modified.
        using AnnotatedImage fresh = _dataset.Load(0);
        Assert.Equal(T.ToBytes(fresh.Image), T.ToBytes(d0.Image));
    }

    [Fact]
    public void Replaying_a_plan_against_another_pool_is_an_invalid_input()
    {
        XPasteAugmenter augmenter = Build(PastePolicyKind.XPaste, seed: 9, configure: o => o.XPaste.MinCount = 3);
        SamplePlan plan = augmenter.Plan(0, 0);
        Assert.NotEmpty(plan.Steps);

        // The same pixels under other ids.
        using var renamed = new InMemoryInstancePool();
        for (int i = 0; i < _pool.Instances.Count; i++)
        {
            renamed.Add($"other{i}", _pool.Instances[i].CategoryId, _pool.Load(i));
        }

        XPasteAugmenter mismatched = XPastePipeline.CreateBuilder().UseDataset(_dataset).UseInstancePool(renamed)
            .Configure(o => { o.Jitter.OutputWidth = 64; o.Jitter.OutputHeight = 48; }).Build();
        InvalidInputException e = Assert.ThrowsAny<InvalidInputException>(() => mismatched.Replay([plan]).Dispose());
        Assert.Contains("instance inst", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_epoch_visits_every_image_once_in_seeded_order_with_prefetching()
    {
        XPasteAugmenter augmenter = Build(PastePolicyKind.XPaste, seed: 5);
        var seen = new List<string>();
        int batches = 0;
        foreach (AugmentedBatch batch in augmenter.ReadEpoch(0))
        {
            using (batch)
            {
                batches++;
                seen.AddRange(batch.Plans.Select(p => p.DestinationId));
                foreach (PasteTargets t in batch.Targets)
                {
                    T.AssertConsistent(t, 48, 64);
                }
            }
        }

        Assert.Equal(3, batches); // 10 images in batches of 4
        Assert.Equal(_dataset.Images.Select(i => i.Id).Order(), seen.Order());
        Assert.Equal(augmenter.EpochOrder(0).Select(i => $"img{i}"), seen);
        Assert.NotEqual(augmenter.EpochOrder(0), augmenter.EpochOrder(1));
    }

    [Fact]
    public async Task The_async_stream_matches_synchronous_augmentation_and_stops_early_cleanly()
    {
        XPasteAugmenter augmenter = Build(PastePolicyKind.Both, seed: 8, configure: o => o.DropLast = true);
        int[] order = augmenter.EpochOrder(2);
        int count = 0;
        await foreach (AugmentedBatch batch in augmenter.ReadEpochAsync(2))
        {
            using (batch)
            {
                using AugmentedBatch direct = augmenter.Augment([.. order.Skip(count * 4).Take(4)], (2L * 10) + (count * 4));
                AssertIdentical(direct, batch);
                count++;
            }

            if (count == 1)
            {
                break; // stops the worker; batches it made ahead are disposed
            }
        }

        Assert.Equal(1, count);
    }

    [Fact]
    public async Task Cancellation_stops_the_stream()
    {
        XPasteAugmenter augmenter = Build(PastePolicyKind.XPaste, configure: o => o.BatchSize = 1);
        using var cts = new CancellationTokenSource();
        int count = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (AugmentedBatch batch in augmenter.ReadEpochAsync(0, cts.Token))
            {
                batch.Dispose();
                if (++count == 2)
                {
                    await cts.CancelAsync();
                }
            }
        });
        Assert.Equal(2, count);
    }

    [Fact]
    public void Batches_made_on_the_worker_can_join_the_consumers_dispose_scope()
    {
        XPasteAugmenter augmenter = Build(PastePolicyKind.XPaste);
        AugmentedBatch first;
        using (var scope = NewDisposeScope())
        {
            first = augmenter.ReadEpoch(0).First();
            first.AttachToCurrentDisposeScope();
            Assert.False(first.Images.IsInvalid);
        }

        Assert.True(first.Images.IsInvalid);
        Assert.True(first.Targets[0].Masks.IsInvalid);
    }

    [Fact]
    public void Building_without_what_the_policy_needs_fails_clearly()
    {
        Assert.Throws<InvalidOperationException>(() => XPastePipeline.CreateBuilder().UseDataset(_dataset).Build());
        Assert.Throws<InvalidOperationException>(() => XPastePipeline.CreateBuilder().UseInstancePool(_pool).UseSimpleCopyPaste().Build());
        Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            XPastePipeline.CreateBuilder().UseInstancePool(_pool).Configure(o => o.BatchSize = 0).Build());
    }

    private static void AssertIdentical(AugmentedBatch a, AugmentedBatch b)
    {
        Assert.Equal(a.Plans.Select(p => p.ToJson()), b.Plans.Select(p => p.ToJson()));
        Assert.Equal(T.ToBytes(a.Images), T.ToBytes(b.Images));
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(T.ToBools(a.Targets[i].Masks), T.ToBools(b.Targets[i].Masks));
            Assert.Equal(T.ToFloats(a.Targets[i].Boxes), T.ToFloats(b.Targets[i].Boxes));
            Assert.Equal(T.ToLongs(a.Targets[i].Labels), T.ToLongs(b.Targets[i].Labels));
            Assert.Equal(T.ToBools(a.Targets[i].IsPasted), T.ToBools(b.Targets[i].IsPasted));
        }
    }
}
