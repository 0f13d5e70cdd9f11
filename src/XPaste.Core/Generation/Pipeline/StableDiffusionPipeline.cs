using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using XPaste.Generation.Schedulers;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// Text-to-image with Stable Diffusion 1.x/2.x, as diffusers' <c>StableDiffusionPipeline</c>: batched prompts,
/// negative prompts, classifier-free guidance on the doubled batch, a choice of sampler (with few-step ones: LCM
/// with its guidance embedding and no CFG, as <c>LatentConsistencyModelPipeline</c>; trailing Euler for SD-Turbo,
/// guidance 0), and one seeded CPU generator
/// per image so that image <c>i</c> is the same alone or in any batch (and on the CPU, the picture diffusers makes
/// from the same seed). Calls run one at a time per pipeline. A pipeline made by <see cref="FromPretrained"/> disposes
/// its models; one made over models the caller passes leaves them to the caller.
/// </summary>
public sealed partial class StableDiffusionPipeline : IDisposable
{
    private readonly ILogger _logger;
    private readonly bool _upcastVae;
    private bool _ownsModels;

    /// <summary>A pipeline over models already loaded; the caller keeps ownership of them.</summary>
    /// <param name="models">The models (tokenizer, text encoder, UNet, VAE, scheduler config).</param>
    /// <param name="options">Run options; defaults when null.</param>
    /// <param name="logger">Receives one line per generation.</param>
    /// <exception cref="InvalidInputException">The models' scheduler config is not valid JSON.</exception>
    public StableDiffusionPipeline(StableDiffusionModels models, StableDiffusionPipelineOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        Models = models;
        Options = options ?? new StableDiffusionPipelineOptions();
        _logger = logger ?? NullLogger.Instance;
        SchedulerConfig = SchedulerConfig.Parse(models.SchedulerConfigJson, Path.Combine(models.ModelId, "scheduler", "scheduler_config.json"));
        Models.Vae.EnableSlicing = Options.VaeSlicing;
        _upcastVae = (Options.UpcastVae ?? Models.Vae.ForceUpcast) && Models.DType == ScalarType.Float16;
        VaeScaleFactor = Models.Vae.ScaleFactor;
    }

    /// <summary>The models the pipeline runs.</summary>
    public StableDiffusionModels Models { get; }

    /// <summary>The run options.</summary>
    public StableDiffusionPipelineOptions Options { get; }

    /// <summary>The model's <c>scheduler_config.json</c>, from which every sampler is built.</summary>
    public SchedulerConfig SchedulerConfig { get; }

    /// <summary>Pixels per latent cell (8 for SD).</summary>
    public int VaeScaleFactor { get; }

    /// <summary>The default image side: the UNet's <c>sample_size</c> × <see cref="VaeScaleFactor"/> (512 for SD 1.5).</summary>
    public int DefaultSize => (Models.Unet.Config.SampleSize ?? 64) * VaeScaleFactor;

    /// <summary>Loads the models (<see cref="StableDiffusionModels.FromPretrained"/>) and wraps them in a pipeline.</summary>
    /// <param name="nameOrPath">A diffusers folder, a single-file checkpoint, or a Hub repo id.</param>
    /// <param name="options">Run options, and in <see cref="StableDiffusionPipelineOptions.Model"/> how the models load (its logger also receives what is generated); defaults when null.</param>
    /// <param name="cancellationToken">Cancels a Hub download and the loading.</param>
    /// <returns>The pipeline.</returns>
    /// <exception cref="InvalidInputException">The models cannot be loaded; the message names the file.</exception>
    public static StableDiffusionPipeline FromPretrained(string nameOrPath, StableDiffusionPipelineOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new StableDiffusionPipelineOptions();
        StableDiffusionModels models = StableDiffusionModels.FromPretrained(nameOrPath, options.Model, cancellationToken);
        try
        {
            return new StableDiffusionPipeline(models, options, options.Model.Logger) { _ownsModels = true };
        }
        catch
        {
            models.Dispose();
            throw;
        }
    }

    /// <summary>Generates the images of <paramref name="request"/>.</summary>
    /// <param name="request">Prompts, guidance, size, sampler, seed.</param>
    /// <param name="progress">Receives one report per denoising step.</param>
    /// <param name="cancellationToken">Checked between steps.</param>
    /// <returns><c>uint8 [images,3,H,W]</c> on the models' device (round half to even of 255 × the image in [0,1]).</returns>
    /// <exception cref="InvalidInputException">A request value is invalid (e.g. a width that is not a multiple of 8).</exception>
    /// <exception cref="OperationCanceledException">Cancelled between steps.</exception>
    public Tensor Generate(TextToImageRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        GenerateTraced(request, trace: null, progress, cancellationToken);

    /// <summary>Disposes the models when the pipeline loaded them itself.</summary>
    public void Dispose()
    {
        if (_ownsModels)
        {
            Models.Dispose();
        }
    }

    internal Tensor GenerateTraced(TextToImageRequest request, GenerationTrace? trace, IProgress<GenerationProgress>? progress, CancellationToken cancellationToken)
    {
        var (width, height) = Validate(request);
        long seed = request.Seed ?? Random.Shared.NextInt64(0, int.MaxValue);
        int images = request.ImageCount;
        // A UNet with time_cond_proj_dim (LCM) takes the guidance as an embedding and never runs CFG (as diffusers).
        int? condDim = Models.Unet.Config.TimeCondProjDim;
        bool guided = condDim is null && request.GuidanceScale > 1;
        INoiseScheduler scheduler = SchedulerFactory.FromConfig(SchedulerConfig, request.Scheduler, request.TimestepSpacing);
        Log.Generating(_logger, images, width, height, scheduler.ClassName, request.Steps, request.GuidanceScale, seed);

        Generator[] generators = Enumerable.Range(0, images).Select(i => new Generator((ulong)(seed + i), CPU)).ToArray();
        try
        {
            using var inference = inference_mode();
            using var scope = NewDisposeScope();
            Tensor context = EncodePrompts(request, guided);
            trace?.Keep(nameof(GenerationTrace.PromptEmbeds), context);
            Tensor? guidanceEmbedding = condDim is { } dim
                ? GuidanceEmbedding.ForScale(request.GuidanceScale, images, dim).to(Models.DType, Models.Device)
                : null;
            if (guidanceEmbedding is not null)
            {
                trace?.Keep(nameof(GenerationTrace.GuidanceEmbedding), guidanceEmbedding);
            }

            using ISchedulerRun run = StartRun(scheduler, request.Steps);
            long[] latentShape = [1, Models.Unet.Config.InChannels, height / VaeScaleFactor, width / VaeScaleFactor];
            Tensor latents = request.InitialLatents is { } given
                ? CheckLatents(given, images, latentShape).to(ScalarType.Float32, CPU)
                : cat(generators.Select(g => randn(latentShape, ScalarType.Float32, CPU, generator: g)).ToArray(), 0);
            latents = (latents.to(Models.Device) * (float)run.InitNoiseSigma).to(Models.DType);

            var noise = new GeneratorNoise(generators);
            for (int i = 0; i < run.StepCount; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Tensor previous = latents;
                using (var step = NewDisposeScope())
                {
                    latents = Denoise(run, latents, context, guidanceEmbedding, request.GuidanceScale, guided, noise, trace).MoveToOuterDisposeScope();
                }

                previous.Dispose();
                progress?.Report(new GenerationProgress(i + 1, run.StepCount, images));
            }

            Tensor image = Decode(latents);
            trace?.Keep(nameof(GenerationTrace.Image), image);
            return image.to(ScalarType.Float32).mul(255).round().to(ScalarType.Byte).MoveToOuterDisposeScope();
        }
        finally
        {
            foreach (Generator g in generators)
            {
                g.Dispose();
            }
        }
    }

    private static ISchedulerRun StartRun(INoiseScheduler scheduler, int steps)
    {
        try
        {
            return scheduler.SetTimesteps(steps);
        }
        catch (ArgumentOutOfRangeException e)
        {
            // LCM allows at most original_inference_steps steps.
            throw new InvalidInputException("steps", $"{steps}: {e.Message.Split(" (Parameter")[0]}", e);
        }
    }

    private Tensor Denoise(ISchedulerRun run, Tensor latents, Tensor context, Tensor? guidanceEmbedding, double guidance, bool guided,
        IStepNoise noise, GenerationTrace? trace)
    {
        Tensor input = run.ScaleModelInput(guided ? cat([latents, latents], 0) : latents);
        Tensor prediction = Models.Unet.forward(input, run.CurrentTimestep, context, guidanceEmbedding);
        trace?.Keep(nameof(GenerationTrace.UnetOutputs), prediction);
        if (guided)
        {
            Tensor[] halves = prediction.chunk(2, 0);
            prediction = halves[0] + ((halves[1] - halves[0]) * guidance);
        }

        Tensor next = run.Step(prediction, latents, noise);
        if (trace is not null && run is IDenoisingRun { Denoised: { } denoised })
        {
            trace.Keep(nameof(GenerationTrace.Denoised), denoised);
        }

        trace?.Keep(nameof(GenerationTrace.Latents), next);
        return next;
    }

    /// <summary>The UNet context: the negative half first when guided, each prompt repeated per image.</summary>
    private Tensor EncodePrompts(TextToImageRequest request, bool guided)
    {
        Tensor positive = Encode(request.Prompts);
        if (!guided)
        {
            return positive.repeat_interleave(request.Count, 0);
        }

        IReadOnlyList<string> negatives = request.NegativePrompts switch
        {
            null => Enumerable.Repeat(string.Empty, request.Prompts.Count).ToArray(),
            { Count: 1 } one => Enumerable.Repeat(one[0], request.Prompts.Count).ToArray(),
            var list => list,
        };
        Tensor negative = Encode(negatives);
        return cat([negative.repeat_interleave(request.Count, 0), positive.repeat_interleave(request.Count, 0)], 0);
    }

    private Tensor Encode(IReadOnlyList<string> prompts)
    {
        Tensor ids = Models.Tokenizer.Tokenize(prompts).to(Models.Device);
        return Models.TextEncoder.forward(ids).to(Models.DType);
    }

    private Tensor Decode(Tensor latents)
    {
        Tensor z = latents / Models.Vae.ScalingFactor;
        Tensor decoded;
        if (_upcastVae)
        {
            Models.Vae.to(ScalarType.Float32);
            try
            {
                decoded = Models.Vae.Decode(z.to(ScalarType.Float32));
            }
            finally
            {
                Models.Vae.to(Models.DType);
            }
        }
        else
        {
            decoded = Models.Vae.Decode(z);
        }

        return ((decoded * 0.5) + 0.5).clamp(0, 1);
    }
}
