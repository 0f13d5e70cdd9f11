using Microsoft.Extensions.Options;
using XPaste.Abstractions;
using XPaste.Clip;
using XPaste.Extraction;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction;

public sealed class ClipSegExtractorTests
{
    private static readonly CategoryInfo Hydrant = new(1, "fire_hydrant");
    private static readonly CategoryInfo Cane = new(2, "sugarcane_(plant)");

    private static ClipSegExtractor Tiny(ClipSegExtractorOptions? options = null) =>
        new(ClipSegModel.FromPretrained(ClipSegModelTests.TinyFolder), XPaste.Tests.Clip.ClipTokenizerTests.Tokenizer, options, ownsModel: true);

    private static Tensor Image(int seed, int h, int w) => randint(0, 256, new long[] { 3, h, w }, generator: new Generator((ulong)seed)).to(ScalarType.Byte);

    [Fact]
    public async Task Masks_follow_x_paste_normalise_resize_sigmoid_resize_back_and_truncate()
    {
        using var scope = NewDisposeScope();
        using ClipSegExtractor extractor = Tiny(new ClipSegExtractorOptions { InputSize = 64 });
        using ClipSegModel model = ClipSegModel.FromPretrained(ClipSegModelTests.TinyFolder);
        Tensor[] images = [Image(1, 50, 70), Image(2, 90, 40)];
        IReadOnlyList<Tensor> masks = extractor.Extract(images, [Hydrant, Cane]);

        Tensor mean = tensor(new[] { 0.485f, 0.456f, 0.406f }).view(1, 3, 1, 1);
        Tensor std = tensor(new[] { 0.229f, 0.224f, 0.225f }).view(1, 3, 1, 1);
        for (int i = 0; i < images.Length; i++)
        {
            Tensor x = (images[i].to(ScalarType.Float32).div(255f).unsqueeze(0) - mean) / std;
            x = nn.functional.interpolate(x, new long[] { 64, 64 }, mode: InterpolationMode.Bilinear, align_corners: false);
            string prompt = i == 0 ? "a photo of fire hydrant" : "a photo of sugarcane (plant)";
            Tensor p = model.forward(x, XPaste.Tests.Clip.ClipTokenizerTests.Tokenizer.Tokenize([prompt])).sigmoid().unsqueeze(1);
            Tensor back = nn.functional.interpolate(p, new[] { images[i].shape[1], images[i].shape[2] }, mode: InterpolationMode.Bilinear, align_corners: false);
            Tensor expected = back.squeeze(0).squeeze(0).mul(255f).to(ScalarType.Byte);

            Assert.Equal(ScalarType.Byte, masks[i].dtype);
            Assert.Equal(new[] { images[i].shape[1], images[i].shape[2] }, masks[i].shape);
            AssertWithinOneLevel(expected, masks[i]);
            masks[i].Dispose();
        }
    }

    [Fact]
    public async Task A_batch_gives_the_masks_of_one_image_per_call_and_the_default_size_is_352()
    {
        using var scope = NewDisposeScope();
        using ClipSegExtractor batched = Tiny(new ClipSegExtractorOptions { BatchSize = 3 });
        using ClipSegExtractor single = Tiny(new ClipSegExtractorOptions { BatchSize = 1 });
        Tensor[] images = [Image(3, 40, 40), Image(4, 30, 60), Image(5, 64, 48)];
        CategoryInfo[] categories = [Hydrant, Cane, Hydrant];
        Assert.Equal(new long[] { 1, 3, 352, 352 }, batched.Preprocess([images[0]]).shape);

        IReadOnlyList<Tensor> a = batched.Extract(images, categories);
        IReadOnlyList<Tensor> b = single.Extract(images, categories);
        for (int i = 0; i < images.Length; i++)
        {
            AssertWithinOneLevel(b[i], a[i]);
        }

        // The category matters: the same image prompted for another category gets another mask.
        IReadOnlyList<Tensor> other = batched.Extract([images[0]], [Cane]);
        Assert.False(other[0].eq(a[0]).all().item<bool>());
    }

    [Fact]
    public void Prompts_use_the_template_with_underscores_as_spaces_and_long_ones_are_cut_to_77_tokens()
    {
        using var scope = NewDisposeScope();
        using ClipSegExtractor extractor = Tiny(new ClipSegExtractorOptions { PromptTemplate = "a photo of a {name}" });
        Assert.Equal("a photo of a fire hydrant", extractor.Prompt(Hydrant));

        // "a photo of a" is 4 tokens; with start and end, 71 more words fill the 77 positions.
        var longName = new CategoryInfo(3, string.Join('_', Enumerable.Repeat("cat", 100)));
        var fitting = new CategoryInfo(4, string.Join('_', Enumerable.Repeat("cat", 71)));
        Tensor ids = extractor.Tokenize([longName, fitting]);
        Assert.Equal(new long[] { 2, 77 }, ids.shape);
        Assert.Equal(ids[1].data<long>().ToArray(), ids[0].data<long>().ToArray());
        Assert.Equal(49407, ids[0, 76].item<long>());
    }

    [Fact]
    public async Task A_prompt_longer_than_77_tokens_segments_like_its_truncation()
    {
        using var scope = NewDisposeScope();
        using ClipSegExtractor extractor = Tiny(new ClipSegExtractorOptions { InputSize = 64 });
        // "a photo of" + 72 words = 75 tokens, all that fits between the start and end tokens.
        var longName = new CategoryInfo(3, string.Join(' ', Enumerable.Repeat("red hydrant", 60)));
        var cut = new CategoryInfo(3, string.Join(' ', Enumerable.Repeat("red hydrant", 36)));
        Tensor image = Image(6, 48, 48);
        IReadOnlyList<Tensor> masks = extractor.Extract([image, image], [longName, cut]);
        TensorAssert.Equal(masks[0], masks[1]);
    }

    [Fact]
    public async Task Without_categories_it_refuses_and_bad_arguments_are_named()
    {
        using ClipSegExtractor extractor = Tiny();
        using Tensor image = Image(7, 20, 20);
        Assert.Throws<ArgumentNullException>(() => extractor.Extract([image], null!));
        Assert.Throws<ArgumentException>(() => extractor.Extract([image], [Hydrant, Cane]));
        Assert.Throws<ArgumentException>(() => Tiny(new ClipSegExtractorOptions { InputSize = 100 }));
        Assert.Contains("PromptTemplate", Assert.Throws<OptionsValidationException>(() => Tiny(new ClipSegExtractorOptions { PromptTemplate = "a photo" })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task It_joins_instance_selection_beside_the_salient_object_extractors()
    {
        using var scope = NewDisposeScope();
        using ClipSegExtractor clipseg = Tiny(new ClipSegExtractorOptions { InputSize = 64 });
        var box = new FakeExtractor("box", FakeExtractor.Rectangle(0, 0, 10, 10));
        var filter = new FakeFilter();
        var selector = new InstanceSelector([box, clipseg], filter, new InstanceSelectorOptions
        {
            PostProcessing = new InstancePostProcessorOptions { MinArea = 0, MaxArea = 1 },
        });
        Tensor[] images = [Image(8, 40, 50), Image(9, 40, 50)];
        IReadOnlyList<InstanceSelection> selections = selector.Select(images, [Hydrant, Cane]);

        // Both candidates of each image were scored, one call per category.
        Assert.Equal([(Hydrant, 2), (Cane, 2)], filter.ScoreCalls);
        IReadOnlyList<Tensor> masks = clipseg.Extract(images, [Hydrant, Cane]);
        for (int i = 0; i < 2; i++)
        {
            // The filter scores non-white pixels: CLIPSeg's mask wins where it covers more than the 10x10 box (5%).
            float clipsegScore = 100f * masks[i].gt(InstancePostProcessorOptions.Default.AlphaThreshold).to(ScalarType.Float32).mean().item<float>();
            Assert.NotEqual(5f, clipsegScore);
            Assert.Equal(clipsegScore > 5f ? "clipseg" : "box", selections[i].Extractor);
            Assert.Equal(Math.Max(clipsegScore, 5f), selections[i].Score!.Value, 3);
            selections[i].Dispose();
            masks[i].Dispose();
        }
    }

    private static void AssertWithinOneLevel(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        using Tensor diff = (expected.to(ScalarType.Int32) - actual.cpu().to(ScalarType.Int32)).abs();
        Assert.True(diff.max().item<int>() <= 1, $"masks differ by up to {diff.max().item<int>()} levels");
    }
}
