using System.Text.Json;
using TorchSharp;
using XPaste.Generation;
using XPaste.Generation.Schedulers;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation.Pipeline;

public sealed class StableDiffusionPipelineTests(SdTinyFixture fixture) : IClassFixture<SdTinyFixture>
{
    private StableDiffusionPipeline Pipeline() => new(fixture.Models);

    private Tensor Expected(string name) => fixture.Expected[name];

    private void Close(string name, Tensor actual) => TensorAssert.Close(Expected(name), actual, fixture.Tolerances[name]);

    [Fact]
    public void Matches_diffusers_from_the_stored_initial_latents()
    {
        JsonElement spec = SdTinyData.Expected.GetProperty("pipeline");
        using var scope = NewDisposeScope();
        using var trace = new GenerationTrace();
        var request = new TextToImageRequest
        {
            Prompts = spec.GetProperty("prompt").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            GuidanceScale = spec.GetProperty("guidance").GetDouble(),
            Steps = spec.GetProperty("steps").GetInt32(),
            Width = spec.GetProperty("width").GetInt32(),
            Height = spec.GetProperty("height").GetInt32(),
            InitialLatents = Expected("pipe_initial_latents"),
        };
        var reports = new List<GenerationProgress>();
        Tensor pixels = Pipeline().GenerateTraced(request, trace, new SyncProgress(reports.Add), CancellationToken.None);

        TensorAssert.Equal(Expected("pipe_input_ids").to(ScalarType.Int64), fixture.Models.Tokenizer.Tokenize(request.Prompts));
        Close("pipe_prompt_embeds", trace.PromptEmbeds.Single());
        Close("pipe_unet_out_per_step", stack(trace.UnetOutputs));
        Close("pipe_latents_per_step", stack(trace.Latents));
        Close("pipe_final_latents", trace.Latents[^1]);
        Close("pipe_image", trace.Image.Single());

        Assert.Equal(ScalarType.Byte, pixels.dtype);
        Assert.Equal([2L, 3, 64, 64], pixels.shape);
        Tensor expectedUint8 = Expected("pipe_image_uint8").permute(0, 3, 1, 2);
        Tensor diff = (expectedUint8 - pixels.to(ScalarType.Float32)).abs();
        Assert.True(diff.max().item<float>() <= 1, "a pixel is off by more than 1");
        Assert.True(diff.gt(0).sum().item<long>() <= 0.005 * diff.numel(), "more than 0.5% of the values differ");
        Assert.Equal(Enumerable.Range(1, 10), reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal(10, r.TotalSteps));
    }

    [Theory]
    [InlineData(SchedulerKind.Dpm)]
    [InlineData(SchedulerKind.EulerAncestral)]
    public void Image_i_is_the_same_alone_or_in_a_batch(SchedulerKind kind)
    {
        using var scope = NewDisposeScope();
        var batch = new TextToImageRequest { Prompts = ["a photo of a single cat"], Count = 3, Steps = 3, Width = 32, Height = 32, Seed = 40, Scheduler = kind };
        Tensor together = Pipeline().Generate(batch);
        Tensor alone = Pipeline().Generate(new TextToImageRequest { Prompts = ["a photo of a single cat"], Steps = 3, Width = 32, Height = 32, Seed = 42, Scheduler = kind });
        // Batch sizes change the UNet's float32 sums by ~1e-7 (kernels picked by shape): a uint8 rounding may flip.
        Tensor diff = (together[2].unsqueeze(0).to(ScalarType.Int32) - alone.to(ScalarType.Int32)).abs();
        Assert.True(diff.max().item<int>() <= 1, "a pixel is off by more than 1");
        Assert.True(diff.gt(0).sum().item<long>() <= 0.005 * diff.numel(), "more than 0.5% of the values differ");
        Assert.False(together[0].equal(together[1]).all().item<bool>(), "different seeds gave the same image");
    }

    [Theory]
    [InlineData(81, 64, "width")]
    [InlineData(64, 0, "height")]
    public void Sizes_must_be_multiples_of_8(int width, int height, string input)
    {
        var ex = Assert.Throws<InvalidInputException>(() => Pipeline().Generate(new TextToImageRequest { Prompts = ["x"], Width = width, Height = height, Steps = 1 }));
        Assert.Equal(input, ex.Input);
        Assert.Contains(input == "width" ? "81" : "0", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Sides_over_the_limit_are_refused_before_any_tensor_is_made()
    {
        // 65536 a side would need 16 GiB of latents alone: refused by the check, not by the allocator.
        var ex = Assert.Throws<InvalidInputException>(() => Pipeline().Generate(new TextToImageRequest { Prompts = ["x"], Width = 65536, Height = 64, Steps = 1 }));
        Assert.Equal("width", ex.Input);
        Assert.Contains("65536 is over the largest side allowed, 4096 pixels", ex.Problem, StringComparison.Ordinal);

        var small = new StableDiffusionPipeline(fixture.Models, new StableDiffusionPipelineOptions { MaxImageSide = 32 });
        ex = Assert.Throws<InvalidInputException>(() => small.Generate(new TextToImageRequest { Prompts = ["x"], Width = 32, Height = 40, Steps = 1 }));
        Assert.Equal("height", ex.Input);
        var generator = Assert.Throws<ArgumentException>(() => new StableDiffusionGenerator(small, new StableDiffusionGeneratorOptions { Width = 48, Height = 32 }));
        Assert.Contains("at most 32 (got 48x32)", generator.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_prompts_are_one_or_one_per_prompt()
    {
        var ex = Assert.Throws<InvalidInputException>(() => Pipeline().Generate(new TextToImageRequest
        {
            Prompts = ["a", "b", "c"], NegativePrompts = ["x", "y"], Steps = 1, Width = 16, Height = 16,
        }));
        Assert.Equal("negative prompts", ex.Input);

        // One negative prompt applies to every prompt: the same as repeating it.
        using var scope = NewDisposeScope();
        var one = new TextToImageRequest { Prompts = ["a", "b"], NegativePrompts = ["blurry"], Steps = 2, Width = 16, Height = 16, Seed = 9 };
        var each = new TextToImageRequest { Prompts = ["a", "b"], NegativePrompts = ["blurry", "blurry"], Steps = 2, Width = 16, Height = 16, Seed = 9 };
        var none = new TextToImageRequest { Prompts = ["a", "b"], Steps = 2, Width = 16, Height = 16, Seed = 9 };
        Tensor withOne = Pipeline().Generate(one);
        TensorAssert.Equal(withOne, Pipeline().Generate(each));
        Assert.False(withOne.equal(Pipeline().Generate(none)).all().item<bool>(), "the negative prompt changed nothing");
    }

    [Fact]
    public void Cancellation_stops_between_steps()
    {
        using var cts = new CancellationTokenSource();
        var reports = new List<GenerationProgress>();
        var progress = new SyncProgress(p =>
        {
            reports.Add(p);
            cts.Cancel();
        });
        Assert.Throws<OperationCanceledException>(() =>
            Pipeline().Generate(new TextToImageRequest { Prompts = ["x"], Steps = 5, Width = 32, Height = 32, Seed = 1 }, progress, cts.Token));
        Assert.Single(reports);
    }

    [Fact]
    public void Memory_stays_flat_over_many_calls()
    {
        var pipeline = Pipeline();
        var request = new TextToImageRequest { Prompts = ["a red apple"], Steps = 1, Width = 16, Height = 16, Seed = 3, Scheduler = SchedulerKind.EulerAncestral };
        pipeline.Generate(request).Dispose();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 50; i++)
        {
            pipeline.Generate(request).Dispose();
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    private sealed class SyncProgress(Action<GenerationProgress> report) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => report(value);
    }
}

public sealed class StableDiffusionPipelineHalfTests
{
    [Fact]
    public void Float16_models_give_nearly_the_float32_picture_with_the_vae_upcast()
    {
        var request = new TextToImageRequest { Prompts = ["a photo of a single cat"], Steps = 4, Width = 32, Height = 32, Seed = 5 };
        using var scope = NewDisposeScope();
        using var full = StableDiffusionPipeline.FromPretrained(SdTinyFixture.Folder);
        using var half = StableDiffusionPipeline.FromPretrained(SdTinyFixture.Folder,
            new StableDiffusionPipelineOptions { UpcastVae = true, Model = new StableDiffusionLoadOptions { DType = ScalarType.Float16 } });
        Tensor a = full.Generate(request).to(ScalarType.Float32);
        Tensor b = half.Generate(request).to(ScalarType.Float32);
        Assert.Equal(ScalarType.Float16, half.Models.Vae.parameters().First().dtype);
        Assert.True((a - b).abs().mean().item<float>() < 2, "fp16 drifted from fp32 by more than 2 levels on average");
    }

    [Fact]
    public void Bfloat16_models_on_the_cpu_give_nearly_the_float32_picture()
    {
        // The opt-in CPU precision of docs/performance.md (the UNet step in 0.6x fp32's CPU time on avx512_bf16).
        var request = new TextToImageRequest { Prompts = ["a photo of a single cat"], Steps = 4, Width = 32, Height = 32, Seed = 5 };
        using var scope = NewDisposeScope();
        using var full = StableDiffusionPipeline.FromPretrained(SdTinyFixture.Folder);
        using var low = StableDiffusionPipeline.FromPretrained(SdTinyFixture.Folder,
            new StableDiffusionPipelineOptions { Model = new StableDiffusionLoadOptions { DType = ScalarType.BFloat16 } });
        Tensor a = full.Generate(request).to(ScalarType.Float32);
        Tensor b = low.Generate(request).to(ScalarType.Float32);
        Assert.Equal(ScalarType.BFloat16, low.Models.Unet.parameters().First().dtype);
        float mean = (a - b).abs().mean().item<float>();
        Assert.True(mean < 2, $"bf16 drifted from fp32 by {mean} levels on average (more than 2)");
    }
}
