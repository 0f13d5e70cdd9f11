using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Clip;
using XPaste.Coco;
using XPaste.Extraction;
using XPaste.Imaging;
using XPaste.Masks;
using XPaste.Offline;
using static TorchSharp.torch;

namespace XPaste.Tests.Offline;

/// <summary>
/// The real-crop similarity filter on a constructed case: a dataset with one real cup (a textured rectangle on grey),
/// candidates on white of which one is that very cup, the tiny CLIP checkpoint as the image tower.
/// </summary>
public sealed class RealSimilarityTests : IDisposable
{
    private static readonly CategoryInfo Cup = new(1, "cup");
    private static readonly CategoryInfo Drum = new(2, "drum");
    private const int Side = 64;

    private readonly TempFolder _temp = new();
    private readonly CocoDataset _dataset;

    public RealSimilarityTests()
    {
        // Image 1: the real cup at (16, 20), 24x32, on grey. Image 2 (a plate) is never written: a category the run
        // does not touch is never read.
        Directory.CreateDirectory(_temp.File("real"));
        using (var scope = NewDisposeScope())
        {
            Tensor image = full(new long[] { 3, Side, Side }, 128, ScalarType.Byte);
            image.narrow(1, 20, 24).narrow(2, 16, 32).copy_(Texture(7));
            ImageIO.SavePng(image, _temp.File("real", "cup.png"));
        }

        Tensor mask = zeros(Side, Side, ScalarType.Bool);
        mask.narrow(0, 20, 24).narrow(1, 16, 32).fill_(true);
        Rle cupMask = MaskCodec.EncodeOne(mask);
        mask.Dispose();
        _dataset = new CocoDataset
        {
            SourceName = "real.json",
            Images = [new CocoImage { Id = 1, Width = Side, Height = Side, FileName = "cup.png" }, new CocoImage { Id = 2, Width = Side, Height = Side, FileName = "plate.png" }],
            // Named differently from the bank's category: names match as CategoryMapping compares them.
            Categories = [new CocoCategory { Id = 11, Name = "Cup" }, new CocoCategory { Id = 12, Name = "plate" }, new CocoCategory { Id = 13, Name = "drum" }],
            Annotations = [CocoAnnotation.FromMask(1, 1, 11, cupMask), CocoAnnotation.FromMask(2, 2, 12, cupMask)],
        };
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>A 24x32 random texture, dark enough that the plain extractor tells it from white.</summary>
    private static Tensor Texture(long seed)
    {
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        return randint(0, 160, [3, 24, 32], ScalarType.Byte, generator: generator);
    }

    /// <summary>Candidates on white: the real cup itself (id <c>copy</c>), other textures, then two drums.</summary>
    private sealed class Candidates : IInstanceSource
    {
        public string Name => "candidates";

        public IReadOnlyList<CategoryInfo> Categories => [Cup, Drum];

        public async IAsyncEnumerable<SourceImage> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            (string Id, CategoryInfo Category, long Seed)[] items = [("copy", Cup, 7), ("other1", Cup, 1), ("other2", Cup, 2), ("other3", Cup, 3), ("drum1", Drum, 4), ("drum2", Drum, 5)];
            foreach ((string id, CategoryInfo category, long seed) in items)
            {
                await Task.Yield();
                Tensor image = full(new long[] { 3, Side, Side }, 255, ScalarType.Byte);
                using (Tensor texture = Texture(seed))
                {
                    image.narrow(1, 10, 24).narrow(2, 20, 32).copy_(texture);
                }

                yield return new SourceImage(id, category, image, null, id);
            }
        }
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }

    private static ClipZeroShotFilter KeepEverything() =>
        ClipZeroShotFilter.FromPretrained(TestFiles.Data("clip", "clip_tiny"), new ClipZeroShotOptions { MinScore = -1000, Tolerance = 0 });

    private async Task<(OfflineResult Result, BankRejection[] Rejections, string[] Kept)> RunAsync(string name, double? minSimilarity, ILogger? logger = null)
    {
        using ClipZeroShotFilter filter = KeepEverything();
        var options = new OfflinePipelineOptions
        {
            BatchSize = 4,
            RealSimilarity = minSimilarity is double s
                ? new RealSimilarityOptions { Dataset = _dataset, ImagesFolder = _temp.File("real"), MinSimilarity = s }
                : null,
        };
        OfflineResult result;
        using (InstanceBank bank = InstanceBank.Create(_temp.File(name)))
        {
            result = await new OfflinePipeline([new PlainBackgroundExtractor()], filter, options, logger).RunAsync(new Candidates(), bank);
        }

        using InstanceBankReader reader = InstanceBank.Open(_temp.File(name));
        return (result, [.. reader.Rejections], [.. reader.Instances.Select(i => i.Source)]);
    }

    [Fact]
    public Task Raising_the_minimum_rejects_more_and_a_copy_of_the_real_crop_passes() => TensorThread.Run(async () =>
    {
        var off = await RunAsync("off", null);
        var lowest = await RunAsync("lowest", -1);
        var strictest = await RunAsync("strictest", 1);

        // Off, or at -1, nothing is filtered; at 1 (cosine's maximum) every cup but (at best) the exact copy is rejected.
        Assert.Equal(6, off.Result.Added);
        Assert.Equal(off.Kept, lowest.Kept);
        Assert.False(lowest.Result.RejectedByKind.ContainsKey("real_similarity"));
        Dictionary<string, double> similarity = strictest.Rejections.Where(r => r.Kind == RejectionKind.RealSimilarity)
            .ToDictionary(r => r.Source, r => r.Value!.Value);
        Assert.Equal(["candidates/other1", "candidates/other2", "candidates/other3"], similarity.Keys.Where(k => k != "candidates/copy").Order());
        Assert.All(strictest.Rejections.Where(r => r.Kind == RejectionKind.RealSimilarity), r =>
        {
            Assert.Equal("cup", r.Category);
            Assert.Equal(1.0, r.Limit);
            Assert.Equal("plain", r.Extractor);
        });
        double copy = similarity.GetValueOrDefault("candidates/copy", 1.0);
        Assert.True(copy >= 0.999, $"the real crop's own copy should match it (cosine {copy})");
        double best = similarity.Where(p => p.Key != "candidates/copy").Max(p => p.Value);
        Assert.True(best < copy, $"another texture ({best}) should be less like the real cup than its copy ({copy})");

        // Between the copy and the next best: only the copy is kept of the cups; drums are never filtered (no real drum).
        var between = await RunAsync("between", (best + copy) / 2);
        Assert.Equal(["candidates/copy", "candidates/drum1", "candidates/drum2"], between.Kept.Order());
        Assert.Equal(3, between.Result.RejectedByKind["real_similarity"]);
        Assert.Equal(3, between.Result.ByCategory["cup"].Rejected);
        Assert.Contains("real-crop similarity ", between.Rejections[0].Text, StringComparison.Ordinal);

        // Monotone: every step up keeps a subset.
        Assert.Subset(lowest.Kept.ToHashSet(), between.Kept.ToHashSet());
        Assert.Subset(between.Kept.ToHashSet(), strictest.Kept.ToHashSet());
    });

    [Fact]
    public Task A_category_without_real_crops_is_kept_with_one_warning() => TensorThread.Run(async () =>
    {
        var logger = new ListLogger();
        var run = await RunAsync("drums", 1, logger);

        Assert.Contains("candidates/drum1", run.Kept);
        Assert.Contains("candidates/drum2", run.Kept);
        Assert.DoesNotContain(run.Rejections, r => r.Category == "drum");
        var warnings = logger.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        Assert.Single(warnings);
        Assert.Contains("drum: real.json has no usable real object", warnings[0].Message, StringComparison.Ordinal);
    });

    [Fact]
    public void Options_are_checked_and_need_the_clip_filter()
    {
        var bad = new OfflinePipelineOptions
        {
            RealSimilarity = new RealSimilarityOptions { Dataset = _dataset, ImagesFolder = "", MinSimilarity = 2, MaxCropsPerCategory = 0 },
        };
        var invalid = Assert.Throws<OptionsValidationException>(() => new OfflinePipeline([new PlainBackgroundExtractor()], options: bad));
        Assert.Contains(invalid.Failures, f => f.Contains("MinSimilarity must be between -1 and 1", StringComparison.Ordinal));
        Assert.Contains(invalid.Failures, f => f.Contains("MaxCropsPerCategory", StringComparison.Ordinal));
        Assert.Contains(invalid.Failures, f => f.Contains("ImagesFolder", StringComparison.Ordinal));

        var good = new OfflinePipelineOptions { RealSimilarity = new RealSimilarityOptions { Dataset = _dataset, ImagesFolder = _temp.Path, MinSimilarity = 0.5 } };
        var noClip = Assert.Throws<ArgumentException>(() => new OfflinePipeline([new PlainBackgroundExtractor()], new FakeScoreFilter(), good));
        Assert.Contains("ClipZeroShotFilter", noClip.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Real_crops_are_capped_by_a_seeded_sample_and_embedded_once()
    {
        // Four more cups in the same image, each a different texture: five annotations for a cap of two.
        using (var scope = NewDisposeScope())
        {
            Tensor image = ImageIO.Load(_temp.File("real", "cup.png"));
            image.narrow(1, 0, 16).narrow(2, 0, 64).copy_(Texture(21).narrow(1, 0, 16).repeat(1, 1, 2));
            ImageIO.SavePng(image, _temp.File("real", "cup.png"));
        }

        var annotations = _dataset.Annotations.ToList();
        for (int i = 0; i < 4; i++)
        {
            using Tensor mask = zeros(Side, Side, ScalarType.Bool);
            mask.narrow(0, 0, 16).narrow(1, 16 * i, 16).fill_(true);
            annotations.Add(CocoAnnotation.FromMask(10 + i, 1, 11, MaskCodec.EncodeOne(mask)));
        }

        var dataset = new CocoDataset { SourceName = "real.json", Images = _dataset.Images, Categories = _dataset.Categories, Annotations = annotations };
        using ClipZeroShotFilter filter = KeepEverything();
        RealCropReference Reference(int seed) => new(new RealSimilarityOptions
        {
            Dataset = dataset, ImagesFolder = _temp.File("real"), MinSimilarity = 0, MaxCropsPerCategory = 2, Seed = seed,
        }, filter, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        using Tensor candidate = cat(new[] { Texture(3), full(new long[] { 1, 24, 32 }, 255, ScalarType.Byte) }, 0);
        RealCropReference first = Reference(1), again = Reference(1);
        double[] a = first.Similarities(Cup, [candidate], CancellationToken.None)!;
        double[] b = first.Similarities(Cup, [candidate], CancellationToken.None)!;
        double[] c = again.Similarities(Cup, [candidate], CancellationToken.None)!;

        Assert.Equal(2, first.CropsEmbedded);
        Assert.Equal(a, b);
        Assert.Equal(a, c);
        // Some seed picks another pair of the five, with another mean.
        double[][] others = [.. Enumerable.Range(2, 8).Select(seed => Reference(seed).Similarities(Cup, [candidate], CancellationToken.None)!)];
        Assert.Contains(others, o => Math.Abs(o[0] - a[0]) > 1e-6);
    }

    /// <summary>A filter that is not CLIP: it has no image tower to embed real crops with.</summary>
    private sealed class FakeScoreFilter : IZeroShotFilter
    {
        public float[] Score(IReadOnlyList<Tensor> images, CategoryInfo category, CancellationToken cancellationToken = default) => new float[images.Count];

        public bool[] Decide(IReadOnlyList<float> scores) => [.. scores.Select(_ => true)];
    }
}
