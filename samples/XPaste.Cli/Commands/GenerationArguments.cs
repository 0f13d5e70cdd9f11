using System.CommandLine;
using System.Globalization;
using XPaste.Generation;
using XPaste.Generation.Categories;
using XPaste.Generation.Schedulers;
using static TorchSharp.torch;

namespace XPaste.Cli.Commands;

/// <summary>
/// The Stable Diffusion options the generating commands share (<c>generate</c>, <c>bank run</c>), with one name each:
/// model, variant, VAE, negative prompt, steps, guidance, scheduler, timestep spacing, size, seed, batch; and what they build.
/// </summary>
internal sealed class GenerationArguments
{
    /// <summary>X-Paste's prompt for per-category generation.</summary>
    public const string DefaultTemplate = "a photo of a single {name}";

    /// <summary>The largest image side the tool asks for: the library's default bound.</summary>
    private const int MaxSide = StableDiffusionPipelineOptions.DefaultMaxImageSide;

    private readonly Option<string?> _model;
    private readonly Option<string?> _variant = new Option<string?>("--variant") { Description = "Weights variant to load, e.g. fp16 (diffusion_pytorch_model.fp16.safetensors)." };
    private readonly Option<string> _dtype = new Option<string>("--dtype") { Description = "Precision of the weights and activations: auto (fp16 on CUDA, fp32 on the CPU), fp32, fp16, or bf16 (opt-in on CPUs with bf16 support: a UNet step in about 0.6x fp32's CPU time, pictures within about 1 level of fp32's on the tiny test model; docs/performance.md).", DefaultValueFactory = _ => "auto" };
    private readonly Option<string?> _negative = new Option<string?>("--negative") { Description = "What to steer away from (default: the empty prompt, as X-Paste)." };
    private readonly Option<int> _steps = new Option<int>("--steps") { Description = "Denoising steps (X-Paste: 50).", DefaultValueFactory = _ => 50 }.AtLeast(1);
    private readonly Option<double> _guidance = new Option<double>("--guidance") { Description = "Classifier-free guidance scale (X-Paste: 7.5; <= 1, e.g. 0 for SD-Turbo: no guidance; LCM models take it as an embedding, e.g. 8).", DefaultValueFactory = _ => 7.5 }.Finite();
    private readonly Option<string> _scheduler = new Option<string>("--scheduler") { Description = "config (the model's own), dpm (X-Paste: built from the model's config), ddim, pndm, euler, euler-a or lcm (latent consistency: 2-8 steps, no CFG). Default dpm, or lcm for a model whose scheduler is LCMScheduler.", DefaultValueFactory = _ => "dpm" };
    private readonly Option<string?> _spacing = new Option<string?>("--timestep-spacing") { Description = "linspace, leading or trailing (SD-Turbo: trailing); default: the scheduler config's. LCM ignores it." };
    private readonly Option<string?> _vae = new Option<string?>("--vae") { Description = "A VAE folder or Hub repo id to decode with instead of the model's, e.g. madebyollin/taesd (TAESD: about 1% of the VAE's work)." };
    private readonly Option<int?> _width = new Option<int?>("--width") { Description = "Image width, a multiple of 8 (default: the model's, 512 for SD 1.5; at most 4096)." }.MultipleOf(8, MaxSide);
    private readonly Option<int?> _height = new Option<int?>("--height") { Description = "Image height, a multiple of 8 (default: the model's; at most 4096)." }.MultipleOf(8, MaxSide);
    private readonly Option<int?> _size = new Option<int?>("--size") { Description = "Square images of this side (instead of --width/--height; at most 4096)." }.MultipleOf(8, MaxSide);
    private readonly Option<long> _seed;
    private readonly Option<int> _batch;
    private readonly Option<FileInfo?> _prompts = new Option<FileInfo?>("--prompts") { Description = "Per-category prompt lists (opt-in, DiverGen's prompt diversity): a JSON object, category name -> list of prompts or {name} templates; image k uses entry k mod n. Per-category runs only." };

    /// <param name="modelRequired">Whether --model must be given.</param>
    /// <param name="batchName">The batch option's name (<c>--batch</c>; <c>--generate-batch</c> beside an extraction <c>--batch-size</c>).</param>
    /// <param name="seedDescription">What the seed means for the command.</param>
    public GenerationArguments(bool modelRequired, string batchName, string seedDescription)
    {
        _model = new Option<string?>("--model", "-m") { Description = "Stable Diffusion: a diffusers folder, a single-file checkpoint (.safetensors/.ckpt) or a Hub repo id (X-Paste: stable-diffusion-v1-5/stable-diffusion-v1-5).", Required = modelRequired };
        _seed = new Option<long>("--seed") { Description = seedDescription, DefaultValueFactory = _ => 0 };
        _batch = new Option<int>(batchName) { Description = "Images per model call (memory for speed).", DefaultValueFactory = _ => 1 }.AtLeast(1);
        BatchName = batchName;
        _spacing.AcceptOnlyFromAmong([.. SchedulerFactory.Spacings]);
        _dtype.AcceptOnlyFromAmong("auto", "fp32", "fp16", "bf16");
    }

    /// <summary>The model option.</summary>
    public Option<string?> Model => _model;

    /// <summary>The batch option's name, for messages.</summary>
    public string BatchName { get; }

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _model, _variant, _dtype, _vae, _negative, _steps, _guidance, _scheduler, _spacing, _width, _height, _size, _seed, _batch, _prompts })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The run seed (not negative).</summary>
    public long Seed(ParseResult parse) =>
        parse.GetValue(_seed) is >= 0 and long seed ? seed : throw new CliUsageException($"--seed: {parse.GetValue(_seed)} is negative");

    /// <summary>Images per model call (at least 1).</summary>
    public int Batch(ParseResult parse) => Positive(parse.GetValue(_batch), BatchName);

    /// <summary>The sampler settings, checked before any model loads (a bad value fails at once).</summary>
    public StableDiffusionGeneratorOptions GeneratorOptions(ParseResult parse)
    {
        var (width, height) = Size(parse);
        return new StableDiffusionGeneratorOptions
        {
            NegativePrompt = parse.GetValue(_negative) ?? "",
            GuidanceScale = parse.GetValue(_guidance),
            Steps = Positive(parse.GetValue(_steps), "--steps"),
            Scheduler = SchedulerNames.Parse(parse.GetValue(_scheduler)!),
            TimestepSpacing = parse.GetValue(_spacing),
            Width = width,
            Height = height,
        };
    }

    /// <summary>
    /// The options for <paramref name="pipeline"/>: without an explicit <c>--scheduler</c>, a model whose scheduler
    /// config is <c>LCMScheduler</c> samples with LCM (DPM-Solver would need its 25-50 steps and CFG).
    /// </summary>
    public StableDiffusionGeneratorOptions ForPipeline(ParseResult parse, StableDiffusionGeneratorOptions options, StableDiffusionPipeline pipeline)
    {
        bool explicitScheduler = parse.GetResult(_scheduler) is { Implicit: false };
        if (explicitScheduler || pipeline.SchedulerConfig.ClassName != LcmScheduler.DiffusersName)
        {
            return options;
        }

        return new StableDiffusionGeneratorOptions
        {
            NegativePrompt = options.NegativePrompt,
            GuidanceScale = options.GuidanceScale,
            Steps = options.Steps,
            Scheduler = SchedulerKind.Lcm,
            TimestepSpacing = options.TimestepSpacing,
            Width = options.Width,
            Height = options.Height,
        };
    }

    /// <summary>Per-category settings: prompt template, images per category, run seed, batch.</summary>
    public CategoryGenerationOptions CategoryOptions(ParseResult parse, string? template, int perCategory, bool startOver)
    {
        template ??= DefaultTemplate;
        if (!template.Contains("{name}", StringComparison.Ordinal))
        {
            throw new CliUsageException($"--prompt: '{template}' has no {{name}} (with --categories the prompt is a template, e.g. '{DefaultTemplate}')");
        }

        return new CategoryGenerationOptions
        {
            PromptTemplate = template,
            PerCategory = Positive(perCategory, "--per-category"),
            Seed = Seed(parse),
            BatchSize = Batch(parse),
            StartOver = startOver,
            Prompts = parse.GetValue(_prompts) is { } prompts ? PromptLists.Load(prompts.FullName) : null,
        };
    }

    /// <summary>
    /// The generator settings this command line fixes without loading the model, under the names
    /// <see cref="StableDiffusionGenerator.Settings"/> records them (null: must not be recorded). Left out: what depends on the
    /// model (weights hash, dtype, its default size and, without <c>--scheduler</c>, its default scheduler).
    /// </summary>
    public Dictionary<string, string?> KnownSettings(ParseResult parse, Device device)
    {
        StableDiffusionGeneratorOptions options = GeneratorOptions(parse);
        var known = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["model"] = ModelNameOf(ModelName(parse)),
            ["steps"] = options.Steps.ToString(CultureInfo.InvariantCulture),
            ["guidance"] = options.GuidanceScale.ToString(CultureInfo.InvariantCulture),
            ["negative_prompt"] = options.NegativePrompt,
            ["device"] = device.type.ToString().ToLowerInvariant(),
            ["timestep_spacing"] = options.TimestepSpacing,
            ["vae"] = parse.GetValue(_vae) is { } vae ? ModelNameOf(vae) : null,
        };
        if (parse.GetResult(_scheduler) is { Implicit: false })
        {
            known["scheduler"] = options.Scheduler.ToString().ToLowerInvariant();
        }

        if (options.Width is int width)
        {
            known["width"] = width.ToString(CultureInfo.InvariantCulture);
        }

        if (options.Height is int height)
        {
            known["height"] = height.ToString(CultureInfo.InvariantCulture);
        }

        return known;
    }

    /// <summary>A model's recorded name, as the generator records it: a folder's or file's name, else the Hub id as given.</summary>
    private static string ModelNameOf(string modelId) =>
        Directory.Exists(modelId) || File.Exists(modelId) ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelId))) : modelId;

    /// <summary>The model as given (required to generate).</summary>
    public string ModelName(ParseResult parse) => parse.GetValue(_model) ?? throw new CliUsageException("--model: required to generate images");

    /// <summary>The weights variant asked for, or null.</summary>
    public string? VariantName(ParseResult parse) => parse.GetValue(_variant);

    private static ScalarType? DTypeOf(string? name) => name switch
    {
        "fp32" => ScalarType.Float32,
        "fp16" => ScalarType.Float16,
        "bf16" => ScalarType.BFloat16,
        _ => null,
    };

    /// <summary>Loads the pipeline on <paramref name="device"/>.</summary>
    public StableDiffusionPipeline LoadPipeline(ParseResult parse, Device device, CancellationToken cancellationToken)
    {
        string model = parse.GetValue(_model) ?? throw new CliUsageException("--model: required to generate images");
        return StableDiffusionPipeline.FromPretrained(model, new StableDiffusionPipelineOptions
        {
            Model = new StableDiffusionLoadOptions { Device = device, Variant = parse.GetValue(_variant), Vae = parse.GetValue(_vae), DType = DTypeOf(parse.GetValue(_dtype)) },
        }, cancellationToken);
    }

    /// <summary>Loads the model and returns a generator that owns it.</summary>
    public StableDiffusionGenerator CreateGenerator(ParseResult parse, Device device, CancellationToken cancellationToken)
    {
        StableDiffusionGeneratorOptions options = GeneratorOptions(parse);
        StableDiffusionPipeline pipeline = LoadPipeline(parse, device, cancellationToken);
        try
        {
            return new StableDiffusionGenerator(pipeline, ForPipeline(parse, options, pipeline), ownsPipeline: true);
        }
        catch
        {
            pipeline.Dispose();
            throw;
        }
    }

    private (int? Width, int? Height) Size(ParseResult parse)
    {
        int? width = parse.GetValue(_width), height = parse.GetValue(_height);
        if (parse.GetValue(_size) is { } side)
        {
            if (width is not null || height is not null)
            {
                throw new CliUsageException("--size: give either --size or --width/--height, not both");
            }

            width = height = side;
            CheckSide("--size", side);
            return (side, side);
        }

        // Checked before the models load; the pipeline checks again against the VAE's own factor.
        CheckSide("--width", width);
        CheckSide("--height", height);
        return (width, height);
    }

    private static void CheckSide(string option, int? value)
    {
        if (value is { } v && (v < 8 || v % 8 != 0))
        {
            throw new CliUsageException($"{option}: {v} is not a positive multiple of 8");
        }
    }

    private static int Positive(int value, string option) =>
        value >= 1 ? value : throw new CliUsageException($"{option}: must be at least 1 (got {value})");
}
