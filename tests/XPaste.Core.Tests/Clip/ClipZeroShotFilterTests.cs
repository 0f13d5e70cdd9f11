using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using XPaste.Abstractions;
using XPaste.Clip;
using static TorchSharp.torch;

namespace XPaste.Tests.Clip;

public sealed class ClipZeroShotFilterTests
{
    private static readonly CategoryInfo Cat = new(1, "cat");
    private static readonly CategoryInfo Dog = new(2, "dog");
    private static readonly CategoryInfo Can = new(3, "aerosol_can");

    [Theory]
    // Best 30: the threshold is min(21, 29) = 21.
    [InlineData(new float[] { 25, 22, 20.5f, 30 }, new[] { true, true, false, true })]
    // A weak category: min(21, 10 - 1) = 9.
    [InlineData(new float[] { 10, 9.5f, 8.99f }, new[] { true, true, false })]
    // Exactly on the threshold is kept.
    [InlineData(new float[] { 22, 20.999f, 21 }, new[] { true, false, true })]
    [InlineData(new float[] { 21.5f }, new[] { true })]
    [InlineData(new float[0], new bool[0])]
    public void Decide_keeps_scores_reaching_the_lower_of_min_clip_and_best_minus_tolerance(float[] scores, bool[] expected)
    {
        Assert.Equal(expected, ClipZeroShotFilter.Decide(scores, 21, 1));
    }

    [Fact]
    public void Decide_drops_non_finite_scores_and_ignores_them_for_the_best()
    {
        Assert.Equal([false, true, false, true], ClipZeroShotFilter.Decide([float.NegativeInfinity, 12, float.NaN, 11.5f], 21, 1));
        Assert.Equal([false, false], ClipZeroShotFilter.Decide([float.NegativeInfinity, float.NaN], 21, 1));
        // Other thresholds.
        Assert.Equal([true, false, true], ClipZeroShotFilter.Decide([30, 19.9f, 20], 25, 10));
        Assert.Equal([true, false], ClipZeroShotFilter.Decide([30, 29.9f], 40, 0));
    }

    [Fact]
    public void Options_are_validated_with_every_problem_named()
    {
        var validator = new ClipZeroShotOptionsValidator();
        Assert.True(validator.Validate(null, new ClipZeroShotOptions()).Succeeded);
        var bad = new ClipZeroShotOptions
        {
            Templates = ["a photo"],
            Tolerance = -1,
            BatchSize = 0,
            MinScore = float.NaN,
            RejectIfOtherCategoryWinsBy = 2,
        };
        ValidateOptionsResult result = validator.Validate(null, bad);
        Assert.True(result.Failed);
        Assert.Equal(5, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.Contains("{name}", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Categories", StringComparison.Ordinal));

        using ClipModel model = ClipModel.FromPretrained(ClipModelTests.TinyFolder);
        Assert.Throws<OptionsValidationException>(() => new ClipZeroShotFilter(model, ClipTokenizerTests.Tokenizer, bad));
    }

    [Fact]
    public void Defaults_are_the_references()
    {
        var options = new ClipZeroShotOptions();
        Assert.Equal(["a photo of {name}"], options.Templates);
        Assert.Equal(21f, options.MinScore);
        Assert.Equal(1f, options.Tolerance);
        Assert.Null(options.RejectIfOtherCategoryWinsBy);
    }

    [Fact]
    public Task Scores_are_logit_scale_times_cosine_of_the_preprocessed_image_and_the_prompt() => TensorThread.Run(async () =>
    {
        using var scope = NewDisposeScope();
        using var filter = ClipZeroShotFilter.FromPretrained(ClipModelTests.TinyFolder, options: new ClipZeroShotOptions { BatchSize = 2 });
        List<Tensor> images = RandomImages(5);

        float[] scores = filter.Score(images, Can);

        ClipModel model = filter.Model;
        Tensor pixels = new ClipImageProcessor(ClipImageProcessorOptions.ForImageSize(32)).Preprocess(images);
        Tensor text = model.GetTextFeatures(ClipTokenizerTests.Tokenizer.Tokenize(["a photo of aerosol can"]));
        Tensor expected = model.Logits(model.GetImageFeatures(pixels), text).squeeze(1);
        ClipModelTests.AssertClose(expected, tensor(scores), 1e-4);
        // The cached text embedding gives the same scores again.
        Assert.Equal(scores, filter.Score(images, Can));
    });

    [Fact]
    public Task Several_templates_are_averaged_as_unit_vectors() => TensorThread.Run(async () =>
    {
        using var scope = NewDisposeScope();
        var options = new ClipZeroShotOptions { Templates = ["a photo of {name}", "a drawing of a {name}"] };
        using var filter = ClipZeroShotFilter.FromPretrained(ClipModelTests.TinyFolder, options: options);
        List<Tensor> images = RandomImages(3);

        float[] scores = filter.Score(images, Dog);

        ClipModel model = filter.Model;
        Tensor text = model.GetTextFeatures(ClipTokenizerTests.Tokenizer.Tokenize(["a photo of dog", "a drawing of a dog"]));
        text = text / text.norm(-1, keepdim: true);
        Tensor ensemble = text.mean([0], keepdim: true);
        Tensor pixels = new ClipImageProcessor(ClipImageProcessorOptions.ForImageSize(32)).Preprocess(images);
        Tensor expected = model.Logits(model.GetImageFeatures(pixels), ensemble).squeeze(1);
        ClipModelTests.AssertClose(expected, tensor(scores), 1e-4);
    });

    [Fact]
    public Task Score_all_gives_one_column_per_category_and_rgba_cut_outs_are_scored_on_white() => TensorThread.Run(async () =>
    {
        using var scope = NewDisposeScope();
        using var filter = ClipZeroShotFilter.FromPretrained(ClipModelTests.TinyFolder);
        List<Tensor> images = RandomImages(4);
        Tensor alpha = (arange(40).view(1, 40) * arange(48).view(48, 1)).remainder(256).to(ScalarType.Byte);
        Tensor cutOut = cat([images[0], alpha.unsqueeze(0)], 0);

        Tensor all = filter.ScoreAll(images, [Cat, Dog, Can]);

        Assert.Equal(new long[] { 4, 3 }, all.shape);
        ClipModelTests.AssertClose(tensor(filter.Score(images, Dog)), all.select(1, 1), 1e-5);
        float[] rgba = filter.Score([cutOut], Cat);
        float[] white = filter.Score([ClipImageProcessor.WhiteBackground(images[0], alpha)], Cat);
        Assert.Equal(white, rgba);
    });

    [Fact]
    public Task Optional_top_one_check_rejects_images_another_category_wins_by_the_margin() => TensorThread.Run(async () =>
    {
        using var scope = NewDisposeScope();
        List<Tensor> images = RandomImages(8);
        CategoryInfo[] categories = [Cat, Dog, Can];
        using var plain = ClipZeroShotFilter.FromPretrained(ClipModelTests.TinyFolder);
        float[,] all = ToArray(plain.ScoreAll(images, categories));
        float[] lead = Enumerable.Range(0, images.Count).Select(n => Math.Max(all[n, 1], all[n, 2]) - all[n, 0]).ToArray();
        // The median lead of another category over "cat" splits the images into rejected and kept ones.
        float margin = lead.Order().ElementAt(images.Count / 2);
        var options = new ClipZeroShotOptions { RejectIfOtherCategoryWinsBy = margin, Categories = categories };
        using var strict = ClipZeroShotFilter.FromPretrained(ClipModelTests.TinyFolder, options: options);

        float[] scores = strict.Score(images, Cat);

        int rejected = 0;
        for (int n = 0; n < images.Count; n++)
        {
            if (lead[n] > margin)
            {
                Assert.Equal(float.NegativeInfinity, scores[n]);
                rejected++;
            }
            else
            {
                Assert.Equal(all[n, 0], scores[n], 4);
            }
        }

        Assert.InRange(rejected, 1, images.Count - 1);
        bool[] keep = strict.Decide(scores);
        Assert.All(Enumerable.Range(0, images.Count), n => Assert.False(keep[n] && float.IsNegativeInfinity(scores[n])));
        Assert.Contains(true, keep);
    });

    [Fact]
    public async Task Service_registration_resolves_the_filter_with_configured_and_validated_options()
    {
        var services = new ServiceCollection();
        services.AddClipZeroShotFilter(ClipModelTests.TinyFolder).Configure(o => o.MinScore = 18);
        await using (ServiceProvider provider = services.BuildServiceProvider())
        {
            IZeroShotFilter filter = provider.GetRequiredService<IZeroShotFilter>();
            Assert.Same(provider.GetRequiredService<ClipZeroShotFilter>(), filter);
            Assert.Equal(18f, ((ClipZeroShotFilter)filter).Options.MinScore);
            Assert.Equal([true, true, false], filter.Decide([25f, 18f, 17.9f]));
        }

        var invalid = new ServiceCollection();
        invalid.AddClipZeroShotFilter(ClipModelTests.TinyFolder).Configure(o => o.BatchSize = 0);
        await using ServiceProvider bad = invalid.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => bad.GetRequiredService<IZeroShotFilter>());
        Assert.Contains("BatchSize", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public Task Cancellation_stops_between_batches() => TensorThread.Run(async () =>
    {
        using var scope = NewDisposeScope();
        using var filter = ClipZeroShotFilter.FromPretrained(ClipModelTests.TinyFolder, options: new ClipZeroShotOptions { BatchSize = 1 });
        using var cts = new CancellationTokenSource();
        var done = new List<int>();
        filter.BatchCompleted = n =>
        {
            done.Add(n);
            cts.Cancel(); // after the first batch, before the second
        };
        Assert.Throws<OperationCanceledException>(() => filter.Score(RandomImages(3), Cat, cts.Token));
        Assert.Equal([1], done);
    });

    private static List<Tensor> RandomImages(int count)
    {
        var generator = new Generator(7);
        return Enumerable.Range(0, count)
            .Select(i => randint(0, 256, [3, 48 + 3 * i, 40 + 5 * i], ScalarType.Byte, generator: generator))
            .ToList();
    }

    private static float[,] ToArray(Tensor matrix)
    {
        float[] flat = matrix.data<float>().ToArray();
        int rows = (int)matrix.shape[0], cols = (int)matrix.shape[1];
        var result = new float[rows, cols];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
        return result;
    }
}
