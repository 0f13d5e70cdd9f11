using System.Text.Json;
using XPaste.Generation;
using XPaste.Generation.Schedulers;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation.Pipeline;

/// <summary>
/// The few-step pipelines against diffusers from stored initial latents: LatentConsistencyModelPipeline (lcm/) and
/// StableDiffusionPipeline with guidance 0 and trailing Euler ancestral (turbo/).
/// </summary>
public sealed class FewstepPipelineTests
{
    private static TextToImageRequest Request(FewstepData data, SchedulerKind kind)
    {
        JsonElement spec = data.Expected.GetProperty("pipeline");
        return new TextToImageRequest
        {
            Prompts = spec.GetProperty("prompt").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            GuidanceScale = spec.GetProperty("guidance").GetDouble(),
            Steps = spec.GetProperty("steps").GetInt32(),
            Width = spec.GetProperty("width").GetInt32(),
            Height = spec.GetProperty("height").GetInt32(),
            Seed = spec.GetProperty("seed").GetInt64(),
            Scheduler = kind,
            InitialLatents = data.Tensor("pipe_initial_latents"),
        };
    }

    [Theory]
    [InlineData(SchedulerKind.Config)]
    [InlineData(SchedulerKind.Lcm)]
    public void Lcm_matches_diffusers_latent_consistency_pipeline(SchedulerKind kind)
    {
        FewstepData data = FewstepData.Lcm;
        using var scope = NewDisposeScope();
        using var trace = new GenerationTrace();
        var pipeline = new StableDiffusionPipeline(data.Models);
        TextToImageRequest request = Request(data, kind);
        Tensor pixels = pipeline.GenerateTraced(request, trace, null, CancellationToken.None);

        // No CFG and no negative prompt: the prompt embeddings alone, one UNet batch of 2 per step.
        data.Close("pipe_prompt_embeds", trace.PromptEmbeds.Single());
        data.Close("pipe_w_embedding", trace.GuidanceEmbedding.Single());
        data.Close("pipe_unet_out_per_step", stack(trace.UnetOutputs));
        data.Close("pipe_denoised_per_step", stack(trace.Denoised));
        data.Close("pipe_latents_per_step", stack(trace.Latents));
        data.Close("pipe_image", trace.Image.Single());
        data.Uint8Close("pipe_image_uint8", pixels);
    }

    [Fact]
    public void Lcm_step_noise_comes_from_the_seeded_generators_in_diffusers_order()
    {
        // The draws after steps 1..3 of seeds 11 and 12 (initial latents given, so none drawn for them).
        FewstepData data = FewstepData.Lcm;
        using var scope = NewDisposeScope();
        Generator[] generators = [new Generator(11, CPU), new Generator(12, CPU)];
        var noise = new GeneratorNoise(generators);
        Tensor stored = data.Tensor("pipe_step_noise");
        for (int i = 0; i < stored.shape[0]; i++)
        {
            TensorAssert.Equal(stored[i], noise.Draw([2, 4, 8, 8], ScalarType.Float32, CPU));
        }
    }

    [Fact]
    public void Turbo_matches_diffusers_with_guidance_0_and_trailing_euler_ancestral()
    {
        FewstepData data = FewstepData.Turbo;
        using var scope = NewDisposeScope();
        using var trace = new GenerationTrace();
        var pipeline = new StableDiffusionPipeline(data.Models);
        Assert.Equal(0.0, data.Expected.GetProperty("pipeline").GetProperty("guidance").GetDouble());
        Tensor pixels = pipeline.GenerateTraced(Request(data, SchedulerKind.Config), trace, null, CancellationToken.None);

        data.Close("pipe_prompt_embeds", trace.PromptEmbeds.Single());
        data.Close("pipe_unet_out_per_step", stack(trace.UnetOutputs));
        data.Close("pipe_latents_per_step", stack(trace.Latents));
        data.Close("pipe_image", trace.Image.Single());
        data.Uint8Close("pipe_image_uint8", pixels);
        Assert.Empty(trace.GuidanceEmbedding);
    }

    [Fact]
    public void Lcm_refuses_more_steps_than_its_schedule_naming_steps()
    {
        var pipeline = new StableDiffusionPipeline(FewstepData.Lcm.Models);
        var ex = Assert.Throws<InvalidInputException>(() => pipeline.Generate(new TextToImageRequest { Prompts = ["x"], Steps = 51, Scheduler = SchedulerKind.Lcm, Width = 16, Height = 16, Seed = 1 }));
        Assert.Equal("steps", ex.Input);
        Assert.Contains("original_inference_steps (50)", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_timestep_spacing_is_refused_by_name()
    {
        var pipeline = new StableDiffusionPipeline(FewstepData.Turbo.Models);
        var ex = Assert.Throws<InvalidInputException>(() => pipeline.Generate(new TextToImageRequest { Prompts = ["x"], Steps = 1, TimestepSpacing = "uniform", Width = 16, Height = 16, Seed = 1 }));
        Assert.Equal("timestep spacing", ex.Input);
        Assert.Contains("trailing", ex.Problem, StringComparison.Ordinal);
    }
}
