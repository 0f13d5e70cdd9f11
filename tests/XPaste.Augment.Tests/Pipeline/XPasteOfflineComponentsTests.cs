using XPaste.Abstractions;
using XPaste.Augment;
using XPaste.Bank;
using XPaste.Extraction;
using XPaste.Imaging;
using XPaste.Offline;
using XPaste.Sources;
using static TorchSharp.torch;

namespace XPaste.Tests.Pipeline;

public sealed class XPasteOfflineComponentsTests
{
    [Fact]
    public async Task Without_extractors_the_sources_masks_are_cut_into_the_bank_once()
    {
        using var folder = new TempFolder();
        DatasetInstanceSource source = await DatasetInstanceSource.LoadAsync(BundledData.Annotations, BundledData.Images);
        XPasteOfflineComponents offline = XPastePipeline.CreateBuilder().AddSource(source).BuildOfflineComponents();

        using (InstanceBank bank = InstanceBank.Create(folder.File("bank")))
        {
            OfflineResult first = await offline.BuildBankAsync(bank);
            Assert.Equal((19, 0, 0), (first.Added, first.Skipped, first.Rejected));
        }

        using (InstanceBank bank = InstanceBank.OpenOrCreate(folder.File("bank")))
        {
            OfflineResult again = await offline.BuildBankAsync(bank);
            Assert.Equal((0, 19, 0), (again.Added, again.Skipped, again.Rejected));
            Assert.Equal(18, bank.CategoryCounts[1]);
            Assert.Equal(1, bank.CategoryCounts[2]);
        }
    }

    [Fact]
    public async Task With_an_extractor_and_a_filter_the_category_rule_decides_what_is_kept()
    {
        using var folder = new TempFolder();
        // Two generated-style images of one category: a white square on flat grey, small and large.
        WriteSquare(folder.File("gen", "box", "0000.png"), 20);
        WriteSquare(folder.File("gen", "box", "0001.png"), 40);
        var source = new FolderInstanceSource(folder.File("gen"), [new CategoryInfo(7, "box")]);
        XPasteOfflineComponents offline = XPastePipeline.CreateBuilder()
            .AddSource(source)
            .AddExtractor(new PlainBackgroundExtractor())
            .UseFilter(new CoverageFilter())
            .BuildOfflineComponents();

        using InstanceBank bank = InstanceBank.Create(folder.File("bank"));
        OfflineResult result = await offline.BuildBankAsync(bank);

        // Scores ~9.8 and ~39: the rule keeps score >= min(21, 39 - 1), so only the large square.
        Assert.Equal((1, 0, 1), (result.Added, result.Skipped, result.Rejected));
        Assert.Equal(new Dictionary<string, int> { ["clip_rule"] = 1 }, result.RejectedByKind);
        Assert.Equal(new OfflineCategoryCounts(1, 1), result.ByCategory["box"]);
        BankInstance kept = Assert.Single(bank.Instances);
        Assert.Equal("plain", kept.Extractor);
        Assert.Equal(7, kept.CategoryId);
        Assert.InRange(kept.Width, 38, 42);
        Assert.InRange(kept.ClipScore!.Value, 35f, 42f);
    }

    [Fact]
    public async Task The_builders_offline_components_run_each_source_through_the_one_offline_pipeline()
    {
        using var folder = new TempFolder();
        using var counter = new OfflineRunCounter(folder.Path);
        WriteSquare(folder.File("gen", "box", "0000.png"), 40);
        DatasetInstanceSource dataset = await DatasetInstanceSource.LoadAsync(BundledData.Annotations, BundledData.Images);
        XPasteOfflineComponents offline = XPastePipeline.CreateBuilder()
            .AddSource(dataset)
            .AddSource(new FolderInstanceSource(folder.File("gen"), [new CategoryInfo(7, "box")]))
            .AddExtractor(new PlainBackgroundExtractor())
            .BuildOfflineComponents();

        using InstanceBank bank = InstanceBank.Create(folder.File("bank"));
        OfflineResult result = await offline.BuildBankAsync(bank);

        Assert.Equal(2, counter.RunsInto(folder.File("bank")));
        // The dataset's masks compete with the extractor's as candidates; counts are kept per extractor and category.
        Assert.Equal(result.Added, result.AddedByExtractor.Values.Sum());
        Assert.Equal(result.Added + result.Rejected, result.ByCategory.Values.Sum(c => c.Added + c.Rejected));
        Assert.Equal(1, result.ByCategory["box"].Added);
    }

    [Fact]
    public async Task A_filter_without_an_extractor_is_refused()
    {
        using var folder = new TempFolder();
        DatasetInstanceSource source = await DatasetInstanceSource.LoadAsync(BundledData.Annotations, BundledData.Images);
        XPasteOfflineComponents offline = XPastePipeline.CreateBuilder().AddSource(source).UseFilter(new CoverageFilter()).BuildOfflineComponents();
        using InstanceBank bank = InstanceBank.Create(folder.File("bank"));
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => offline.BuildBankAsync(bank));
        Assert.Contains("AddExtractor", ex.Message, StringComparison.Ordinal);
    }

    private static void WriteSquare(string path, int side)
    {
        using var scope = NewDisposeScope();
        Tensor image = full(new long[] { 3, 64, 64 }, 90, ScalarType.Byte);
        image[.., 12..(12 + side), 12..(12 + side)] = tensor((byte)250);
        ImageIO.SavePng(image, path);
    }

    /// <summary>Scores by how much of the white-background view is not white: 100 x the object's area fraction.</summary>
    private sealed class CoverageFilter : IZeroShotFilter
    {
        public float[] Score(IReadOnlyList<Tensor> images, CategoryInfo category, CancellationToken cancellationToken = default) =>
            images.Select(i =>
            {
                using Tensor notWhite = i.lt(255).any(0);
                return 100f * notWhite.to(ScalarType.Float32).mean().item<float>();
            }).ToArray();

        public bool[] Decide(IReadOnlyList<float> scores)
        {
            float threshold = Math.Min(21f, scores.Max() - 1f);
            return scores.Select(s => s >= threshold).ToArray();
        }
    }
}
