using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Extraction;
using XPaste.Offline;
using XPaste.Sources;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction;

/// <summary>
/// Several extractors in one bank extraction pass: on constructed scenes (a rectangle on a plain background) and with
/// a constructed filter (score = percentage of the view that is not white, i.e. the mask's area), the winner of each
/// image must be the extractor whose mask scores highest, the losers' scores are recorded, and a winner that fails
/// the post-processing is handled as <see cref="InstanceSelectorOptions.TryNextBest"/> says.
/// </summary>
public sealed class MultiExtractorBankTests : IDisposable
{
    // Object sides as fractions of the 60x80 canvas: object areas 4% .. 49%.
    private static readonly Dictionary<string, double[]> Scenes = new()
    {
        ["kettle"] = [0.2, 0.3, 0.45, 0.7, 0.25, 0.5],
        ["lamp"] = [0.35, 0.6, 0.28, 0.4],
    };

    // A fixed 24x20 box: 10% of the 60x80 canvas, beaten by the plain extractor's mask when the object is larger.
    private static readonly FakeExtractor Corner = new("corner", FakeExtractor.Rectangle(0, 0, 24, 20));

    // The whole frame: the filter's favourite (100), but over the 0.95 area bound.
    private static readonly FakeExtractor Everything = new("everything", FakeExtractor.Rectangle(0, 0, 80, 60));

    private readonly TempFolder _temp = new();
    private readonly string _images;

    public MultiExtractorBankTests()
    {
        _images = _temp.File("generated");
        SceneFolder.Write(_images, Scenes);
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>The filter's score of each image's plain-background mask, by source id.</summary>
    private async Task<Dictionary<string, float>> PlainScores()
    {
        var plain = new PlainBackgroundExtractor();
        var scores = new Dictionary<string, float>();
        await foreach (SourceImage image in FolderInstanceSource.FromFolderNames(_images).ReadAsync())
        {
            using (image)
            {
                using Tensor rgb = image.Image.narrow(0, 0, 3);
                IReadOnlyList<Tensor> masks = plain.Extract([rgb], [image.Category]);
                using Tensor mask = masks[0];
                using Tensor view = InstancePostProcessor.OnWhite(rgb, mask);
                scores[image.Id] = (new FakeFilter().Score([view], image.Category))[0];
            }
        }

        return scores;
    }

    private async Task<(OfflineResult Result, string Folder)> Run(string name, InstanceSelectorOptions selection, params IInstanceExtractor[] extractors)
    {
        string folder = _temp.File(name);
        using InstanceBank bank = InstanceBank.Create(folder);
        var stage = new OfflinePipeline(extractors, new FakeFilter(), new OfflinePipelineOptions { BatchSize = 3, Selection = selection });
        return (await stage.RunAsync(FolderInstanceSource.FromFolderNames(_images), bank), folder);
    }

    /// <summary>Which extractor each processed source was recorded with (instances and rejections alike), by source id.</summary>
    private static Dictionary<string, string> Winners(InstanceBankReader bank) =>
        bank.Instances.Select(i => (i.Source, i.Extractor))
            .Concat(bank.Rejections.Select(r => (r.Source, r.Extractor!)))
            .ToDictionary(p => p.Source[(p.Source.IndexOf('/', StringComparison.Ordinal) + 1)..], p => p.Item2);

    [Fact]
    public async Task The_extractor_whose_mask_the_filter_scores_highest_wins_and_the_runners_up_are_recorded()
    {
        Dictionary<string, float> plain = await PlainScores();
        Assert.Contains(plain.Values, s => s > 10f);
        Assert.Contains(plain.Values, s => s < 10f);

        var (result, folder) = await Run("bank", InstanceSelectorOptions.Default, new PlainBackgroundExtractor(), Corner);
        using InstanceBankReader bank = InstanceBank.Open(folder);
        Dictionary<string, string> winners = Winners(bank);
        Assert.Equal(plain.Keys.Order(), winners.Keys.Order());
        Assert.All(plain, p => Assert.Equal(p.Value > 10f ? "plain" : "corner", winners[p.Key]));

        Assert.NotEmpty(bank.Instances);
        foreach (BankInstance instance in bank.Instances)
        {
            // Read back from the manifest: the loser's score is kept beside the winner's.
            string id = instance.Source[(instance.Source.IndexOf('/', StringComparison.Ordinal) + 1)..];
            var (loser, loserScore) = instance.Extractor == "plain" ? ("corner", 10f) : ("plain", plain[id]);
            Assert.Equal(Math.Max(plain[id], 10f), instance.ClipScore!.Value, 3);
            Assert.Equal(loserScore, Assert.Single(instance.RunnerUpScores!, p => p.Key == loser).Value, 3);
            Assert.Single(instance.RunnerUpScores!);
        }

        Assert.Equal(bank.Instances.GroupBy(i => i.Extractor).ToDictionary(g => g.Key, g => g.Count()), result.AddedByExtractor);
        Assert.Equal(result.Rejected, result.RejectedByKind.Values.Sum());
    }

    [Fact]
    public async Task A_winner_that_fails_the_area_test_drops_the_image_unless_next_best_is_allowed()
    {
        Dictionary<string, float> plain = await PlainScores();

        var (dropped, droppedFolder) = await Run("reference", InstanceSelectorOptions.Default, new PlainBackgroundExtractor(), Corner, Everything);
        Assert.Equal(0, dropped.Added);
        Assert.Equal(plain.Count, dropped.Rejected);
        Assert.Equal(new Dictionary<string, int> { ["area_above_max"] = plain.Count }, dropped.RejectedByKind);
        using (InstanceBankReader bank = InstanceBank.Open(droppedFolder))
        {
            Assert.All(bank.Rejections, r => Assert.Equal(("everything", "mask area 1.000 > 0.95 (everything)"), (r.Extractor, r.Text)));
        }

        var (lenient, lenientFolder) = await Run("lenient", new InstanceSelectorOptions { TryNextBest = true }, new PlainBackgroundExtractor(), Corner, Everything);
        Assert.True(lenient.Added > 0);
        using (InstanceBankReader bank = InstanceBank.Open(lenientFolder))
        {
            Dictionary<string, string> winners = Winners(bank);
            Assert.All(plain, p => Assert.Equal(p.Value > 10f ? "plain" : "corner", winners[p.Key]));
            Assert.All(bank.Instances, i => Assert.Equal(100f, i.RunnerUpScores!["everything"], 3));
        }
    }

    [Fact]
    public void Rejections_group_by_kind_and_show_the_measured_value_and_the_limit()
    {
        var small = new BankRejection("s/1", "cat", RejectionKind.AreaBelowMin, "clipseg", 0.034, 0.05);
        Assert.Equal("area_below_min", small.KindName);
        Assert.Equal("mask area 0.034 < 0.05 (clipseg)", small.Text);
        Assert.Equal("area_below_min", new BankRejection("s/2", "cat", RejectionKind.AreaBelowMin, "u2net", 0.012, 0.05).KindName);
        Assert.Equal("cut-out side 1 px < 2 px", new BankRejection("s/3", "cat", RejectionKind.TooThin, "plain", 1, 2).Reason);
        Assert.Equal("clip score 18.20 < 21.00", new BankRejection("s/4", "cat", RejectionKind.ClipRule, null, 18.2, 21).Text);
        Assert.Equal("empty mask", new BankRejection("s/5", "cat", RejectionKind.EmptyMask).Text);
        // One name per kind: no two kinds print the same name.
        Assert.Equal(Enum.GetValues<RejectionKind>().Length, RejectionKinds.All.Values.Distinct(StringComparer.Ordinal).Count());
        Assert.All(Enum.GetValues<RejectionKind>(), k => Assert.Equal(k, RejectionKinds.Parse(RejectionKinds.Name(k))));
    }

    [Fact]
    public void Runner_up_scores_are_an_optional_manifest_field_so_older_segments_still_open()
    {
        string folder = _temp.File("format");
        using (Tensor rgba = full(new long[] { 4, 6, 5 }, 200, ScalarType.Byte))
        using (InstanceBank bank = InstanceBank.Create(folder))
        {
            bank.AddRange([
                new NewBankInstance(rgba, new CategoryInfo(1, "kettle"), "s/old", "u2net", 25f),
                new NewBankInstance(rgba, new CategoryInfo(1, "kettle"), "s/new", "clipseg", 27f, null, new Dictionary<string, float> { ["u2net"] = 24.5f }),
            ]);
        }

        string segment = File.ReadAllText(Directory.GetFiles(Path.Combine(folder, "manifest"), "seg-*.json").Single());
        // The instance without runners-up is written exactly as before the field existed.
        Assert.Equal(1, segment.Split("runner_up_scores").Length - 1);
        Assert.Contains("\"runner_up_scores\":{\"u2net\":24.5}", segment, StringComparison.Ordinal);

        using InstanceBankReader reader = InstanceBank.Open(folder);
        Assert.Null(reader.Instances.Single(i => i.Source == "s/old").RunnerUpScores);
        Assert.Equal(24.5f, reader.Instances.Single(i => i.Source == "s/new").RunnerUpScores!["u2net"]);
    }
}
