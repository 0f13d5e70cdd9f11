using System.Runtime.CompilerServices;
using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Offline;
using static TorchSharp.torch;

namespace XPaste.Tests.Offline;

/// <summary>Sources that bring their own masks (dataset annotations) through the one offline pipeline, with no extractor.</summary>
public sealed class AnnotationCandidateTests
{
    private static readonly CategoryInfo Coin = new(1, "coin");

    /// <summary>Candidates i = 0..n-1: a 6x8 image whose mask is a (1+i%3)x(2+i%4) block; every fifth mask is empty.</summary>
    private sealed class FakeSource(int count, bool resumable) : IResumableInstanceSource
    {
        public List<string> Loaded { get; } = [];

        public string Name => "fake:set.json";

        public IReadOnlyList<CategoryInfo> Categories => [Coin];

        public int Count => count;

        public IAsyncEnumerable<SourceImage> ReadAsync(CancellationToken cancellationToken = default) => ReadAsync(_ => false, cancellationToken);

        public async IAsyncEnumerable<SourceImage> ReadAsync(Func<string, bool> skip, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            for (int i = 0; i < count; i++)
            {
                string id = $"ann-{i}";
                if (resumable && skip(id))
                {
                    continue;
                }

                await Task.Yield();
                Loaded.Add(id);
                yield return Make(i);
            }
        }

        public static SourceImage Make(int i)
        {
            Tensor image = full(new long[] { 3, 6, 8 }, i + 1, ScalarType.Byte);
            Tensor mask = zeros(6, 8, ScalarType.Byte);
            if (i % 5 != 4)
            {
                mask[TensorIndex.Slice(1, 2 + (i % 3)), TensorIndex.Slice(2, 4 + (i % 4))] = tensor((byte)255);
            }

            return new SourceImage($"ann-{i}", Coin, image, mask, $"set.json#ann-{i}");
        }
    }

    private sealed class NotResumable(FakeSource inner) : IInstanceSource
    {
        public string Name => inner.Name;

        public IReadOnlyList<CategoryInfo> Categories => inner.Categories;

        public IAsyncEnumerable<SourceImage> ReadAsync(CancellationToken cancellationToken = default) => inner.ReadAsync(cancellationToken);
    }

    [Fact]
    public Task Masked_candidates_become_cut_outs_and_empty_masks_are_recorded_as_rejected() => TensorThread.Run(async () =>
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        var reports = new List<OperationProgress>();
        OfflineResult result;
        using (var bank = InstanceBank.Create(temp.File("bank")))
        {
            result = await new OfflinePipeline([], options: new OfflinePipelineOptions { BatchSize = 3, Selection = OfflinePipelineOptions.Annotations.Selection })
                .RunAsync(new FakeSource(10, resumable: true), bank, new SyncProgress<OperationProgress>(reports.Add));
        }

        Assert.Equal((8, 0, 2), (result.Added, result.Skipped, result.Rejected));
        Assert.Equal(new Dictionary<string, int> { ["empty_mask"] = 2 }, result.RejectedByKind);
        Assert.Equal(new OfflineCategoryCounts(8, 2), result.ByCategory["coin"]);
        Assert.Equal(10, reports[^1].Done);
        Assert.Equal(10, reports[^1].Total);
        using var reader = InstanceBank.Open(temp.File("bank"));
        Assert.Equal(new[] { "fake:set.json/ann-4", "fake:set.json/ann-9" }, reader.Rejections.Select(r => r.Source));
        Assert.All(reader.Rejections, r => Assert.Equal(("empty mask (annotation)", "coin"), (r.Text, r.Category)));
        foreach (BankInstance instance in reader.Instances)
        {
            int i = int.Parse(instance.Source.Split('-')[^1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(1 + (i % 3), instance.Height);
            Assert.Equal(2 + (i % 4), instance.Width);
            Assert.Equal("annotation", instance.Extractor);
            Assert.Equal($"set.json#ann-{i}", instance.Origin);
            using Tensor rgba = reader.LoadImage(instance);
            Assert.True(rgba.narrow(0, 0, 3).eq(i + 1).all().item<bool>());
            Assert.True(rgba[3].eq(255).all().item<bool>());
        }
    });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task A_cancelled_run_keeps_its_finished_work_and_a_rerun_does_only_the_rest(bool resumable) => TensorThread.Run(async () =>
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        string folder = temp.File("bank");
        var first = new FakeSource(23, resumable);
        using (var cts = new CancellationTokenSource())
        using (var bank = InstanceBank.Create(folder, new BankOptions { CompactOnDispose = false }))
        {
            var progress = new SyncProgress<OperationProgress>(p =>
            {
                if (p.Done == 12)
                {
                    cts.Cancel();
                }
            });
            IInstanceSource source = resumable ? first : new NotResumable(first);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                new OfflinePipeline([], options: new OfflinePipelineOptions { BatchSize = 4, Selection = OfflinePipelineOptions.Annotations.Selection })
                    .RunAsync(source, bank, progress, cts.Token));
        }

        using (var reader = InstanceBank.Open(folder))
        {
            // 12 candidates done: ann-4 and ann-9 rejected, 10 cut out.
            Assert.Equal(10, reader.Count);
            Assert.Equal(2, reader.Rejections.Count);
        }

        var second = new FakeSource(23, resumable);
        OfflineResult result;
        using (var bank = InstanceBank.OpenOrCreate(folder))
        {
            result = await new OfflinePipeline([]).RunAsync(resumable ? second : new NotResumable(second), bank);
        }

        Assert.Equal((9, 12, 2), (result.Added, result.Skipped, result.Rejected));
        if (resumable)
        {
            Assert.Equal(Enumerable.Range(12, 11).Select(i => $"ann-{i}"), second.Loaded);
        }

        using var final = InstanceBank.Open(folder);
        Assert.Equal(19, final.Count);
        Assert.Equal(Enumerable.Range(0, 23).Where(i => i % 5 != 4).Select(i => $"fake:set.json/ann-{i}"), final.Instances.Select(i => i.Source));
    });

    [Fact]
    public async Task Unmasked_candidates_without_an_extractor_are_refused()
    {
        using var temp = new TempFolder();
        using var bank = InstanceBank.Create(temp.File("bank"));
        var source = new UnmaskedSource();
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => new OfflinePipeline([]).RunAsync(source, bank));
        Assert.Contains("has no mask", ex.Message, StringComparison.Ordinal);
    }

    private sealed class UnmaskedSource : IInstanceSource
    {
        public string Name => "unmasked";

        public IReadOnlyList<CategoryInfo> Categories => [Coin];

        public async IAsyncEnumerable<SourceImage> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            yield return new SourceImage("a", Coin, zeros(3, 4, 4, ScalarType.Byte), null, "a.png");
        }
    }
}
