using System.Runtime.CompilerServices;
using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Extraction;
using XPaste.Offline;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction;

/// <summary>The <c>reference</c> and <c>quality</c> selection presets on fake extractors.</summary>
public sealed class SelectionPresetTests
{
    private const int Side = 64;
    private static readonly CategoryInfo Thing = new(1, "thing");

    /// <summary>Masks without holes, so the post-processed region is the largest component's pixels.</summary>
    private static readonly (string Name, Func<Tensor, Tensor> Mask)[] Pool =
    [
        ("big", FakeExtractor.Rectangle(8, 8, 40, 40)),
        ("small", FakeExtractor.Rectangle(4, 4, 20, 20)),
        ("thin", FakeExtractor.Rectangle(0, 10, 64, 6)),
        ("everything", FakeExtractor.Rectangle(0, 0, 64, 64)),
        ("specks", Specks),
        ("nothing", image => zeros(image.shape[1], image.shape[2], ScalarType.Byte)),
        ("offset", FakeExtractor.Rectangle(20, 16, 36, 44)),
    ];

    /// <summary>Forty-five 2x3 specks: 6.6% of the image in all, none of them an object.</summary>
    private static Tensor Specks(Tensor image)
    {
        Tensor m = zeros(image.shape[1], image.shape[2], ScalarType.Byte);
        for (int i = 0; i < 45; i++)
        {
            m.narrow(0, ((i / 9) * 12) + 2, 2).narrow(1, ((i % 9) * 7) + 2, 3).fill_(255);
        }

        return m;
    }

    private sealed class Images(int count, int seed) : IInstanceSource
    {
        public string Name => "mem";

        public IReadOnlyList<CategoryInfo> Categories => [Thing];

        public async IAsyncEnumerable<SourceImage> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var random = new Random(seed);
            for (int i = 0; i < count; i++)
            {
                await Task.Yield();
                Tensor image = full(new long[] { 3, Side, Side }, (byte)random.Next(0, 200), ScalarType.Byte);
                yield return new SourceImage($"{i:D2}", Thing, image, null, $"mem/{i}");
            }
        }
    }

    private static async Task<OfflineResult> RunAsync(string folder, InstanceSelectorOptions selection, IEnumerable<string> names, IZeroShotFilter? filter)
    {
        IInstanceExtractor[] extractors = [.. names.Select(n => new FakeExtractor(n, Pool.Single(p => p.Name == n).Mask))];
        using InstanceBank bank = InstanceBank.Create(folder);
        return await new OfflinePipeline(extractors, filter, new OfflinePipelineOptions { BatchSize = 3, Selection = selection }).RunAsync(new Images(5, 7), bank);
    }

    [Fact]
    public Task With_quality_adding_extractors_never_keeps_fewer_and_every_kept_cut_out_passes_the_rules() => TensorThread.Run(async () =>
    {
        using var temp = new TempFolder();
        var random = new Random(18);
        InstanceSelectorOptions quality = InstanceSelectorOptions.Quality;
        double minArea = quality.PostProcessing.MinArea;
        int minSide = quality.PostProcessing.MinCutoutSide;
        Assert.Equal((0.05, 32), (minArea, minSide));
        for (int trial = 0; trial < 12; trial++)
        {
            string[] names = [.. Pool.Select(p => p.Name).OrderBy(_ => random.Next())];
            string[] a = names[..random.Next(1, 4)];
            string[] ab = [.. a, .. names[a.Length..][..random.Next(1, names.Length - a.Length + 1)]];
            // A filter that scores (bigger masks higher) but keeps every score: selection alone decides.
            OfflineResult alone = await RunAsync(temp.File($"a{trial}"), quality, a, new FakeFilter(minScore: 0));
            OfflineResult both = await RunAsync(temp.File($"ab{trial}"), quality, ab, new FakeFilter(minScore: 0));
            Assert.True(both.Added >= alone.Added, $"{string.Join("+", ab)} kept {both.Added}, {string.Join("+", a)} alone {alone.Added}");

            foreach (string folder in new[] { temp.File($"a{trial}"), temp.File($"ab{trial}") })
            {
                using InstanceBankReader bank = InstanceBank.Open(folder);
                foreach (BankInstance instance in bank.Instances)
                {
                    Assert.True(Math.Min(instance.Width, instance.Height) >= minSide, $"{instance.Extractor}: {instance.Width}x{instance.Height}");
                    using Tensor rgba = bank.LoadImage(instance);
                    using Tensor kept = rgba[3].gt(128).sum();
                    Assert.True(kept.item<long>() / (double)(Side * Side) >= minArea, $"{instance.Extractor}: area {kept.item<long>()} px");
                }
            }
        }
    });

    [Fact]
    public Task The_reference_drops_an_image_whose_best_mask_fails_where_quality_keeps_the_best_that_passes() => TensorThread.Run(async () =>
    {
        using var temp = new TempFolder();
        OfflineResult reference = await RunAsync(temp.File("reference"), InstanceSelectorOptions.Reference, ["big", "everything"], new FakeFilter(minScore: 0));
        OfflineResult quality = await RunAsync(temp.File("quality"), InstanceSelectorOptions.Quality, ["big", "everything"], new FakeFilter(minScore: 0));

        // "everything" scores 100 and covers the whole frame: the reference's winner fails max_area and the image goes.
        Assert.Equal((0, 5), (reference.Added, reference.Rejected));
        Assert.Equal(new Dictionary<string, int> { ["area_above_max"] = 5 }, reference.RejectedByKind);
        Assert.Equal((5, 0), (quality.Added, quality.Rejected));
        Assert.Equal(new Dictionary<string, int> { ["big"] = 5 }, quality.AddedByExtractor);
    });

    [Fact]
    public Task Specks_pass_the_reference_area_rule_but_not_the_post_processed_one() => TensorThread.Run(async () =>
    {
        using var temp = new TempFolder();
        OfflineResult reference = await RunAsync(temp.File("reference"), InstanceSelectorOptions.Reference, ["specks"], null);
        OfflineResult quality = await RunAsync(temp.File("quality"), InstanceSelectorOptions.WithQuality(InstancePostProcessorOptions.Default, minCutoutSide: 0), ["specks"], null);

        // 6.6% of foreground counts before the largest component (one 2x3 speck) is kept: the reference keeps a speck.
        Assert.Equal(5, reference.Added);
        Assert.Equal(0, quality.Added);
        Assert.Equal(new Dictionary<string, int> { ["area_below_min"] = 5 }, quality.RejectedByKind);
    });

    [Fact]
    public Task The_minimum_cut_out_side_is_an_option() => TensorThread.Run(async () =>
    {
        using var temp = new TempFolder();
        OfflineResult strict = await RunAsync(temp.File("strict"), InstanceSelectorOptions.Quality, ["small"], null);
        OfflineResult lenient = await RunAsync(temp.File("lenient"), InstanceSelectorOptions.WithQuality(InstancePostProcessorOptions.Default, minCutoutSide: 16), ["small"], null);

        Assert.Equal(0, strict.Added);
        Assert.Equal(new Dictionary<string, int> { ["cutout_too_small"] = 5 }, strict.RejectedByKind);
        Assert.Equal(5, lenient.Added);
        using InstanceBankReader bank = InstanceBank.Open(temp.File("strict"));
        BankRejection rejection = bank.Rejections[0];
        Assert.Equal("cut-out short side 20 px < 32 px (small)", rejection.Text);
    });
}
