using System.CommandLine;
using XPaste.Generation;
using XPaste.Generation.Categories;
using XPaste.Generation.Schedulers;
using static TorchSharp.torch;

namespace XPaste.Cli.Commands;

/// <summary>
/// The per-category generation options commands share (<c>bank run</c>, <c>generate --categories</c>): model,
/// sampler, size, prompt template, images per category, run seed; and the generator they build.
/// </summary>
internal sealed class GenerationArguments
{
    private readonly Option<string?> _model = new Option<string?>("--model") { Description = "Stable Diffusion: a diffusers folder, a single-file checkpoint (.safetensors/.ckpt) or a Hub repo id (X-Paste: stable-diffusion-v1-5/stable-diffusion-v1-5)." };
    private readonly Option<string?> _variant = new Option<string?>("--variant") { Description = "Weights variant to load, e.g. fp16 (diffusion_pytorch_model.fp16.safetensors)." };
    private readonly Option<int> _perCategory = new Option<int>("--per-category") { Description = "Images per category (X-Paste: 100).", DefaultValueFactory = _ => 100 }.AtLeast(1);
    private readonly Option<string> _template = new Option<string>("--prompt-template") { Description = "The prompt; {name} is the category name with underscores as spaces.", DefaultValueFactory = _ => "a photo of a single {name}" };
    private readonly Option<string?> _negative = new Option<string?>("--negative") { Description = "Negative prompt (default: none, as X-Paste)." };
    private readonly Option<int> _steps = new Option<int>("--steps") { Description = "Denoising steps (X-Paste: 50).", DefaultValueFactory = _ => 50 }.AtLeast(1);
    private readonly Option<double> _guidance = new Option<double>("--guidance") { Description = "Classifier-free guidance scale (X-Paste: 7.5; <= 1: none).", DefaultValueFactory = _ => 7.5 }.Finite();
    private readonly Option<string> _scheduler = new Option<string>("--scheduler") { Description = "config (the model's own), dpm (X-Paste), ddim, pndm, euler or euler-a.", DefaultValueFactory = _ => "dpm" };
    private readonly Option<int?> _size = new Option<int?>("--size") { Description = "Square images of this side, a multiple of 8 (default: the model's, 512 for SD 1.5)." }.MultipleOf(8);
    private readonly Option<long> _seed = new Option<long>("--seed") { Description = "Run seed: image k of a category uses a seed derived from it, the category name and k.", DefaultValueFactory = _ => 0 };
    private readonly Option<int> _batch = new Option<int>("--generate-batch") { Description = "Images generated together (memory for speed; the pictures do not change).", DefaultValueFactory = _ => 4 }.AtLeast(1);

    public GenerationArguments()
    {
        _scheduler.AcceptOnlyFromAmong("config", "dpm", "ddim", "pndm", "euler", "euler-a");
    }

    /// <summary>The model option (null when the command reads images instead).</summary>
    public Option<string?> Model => _model;

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _model, _variant, _perCategory, _template, _negative, _steps, _guidance, _scheduler, _size, _seed, _batch })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Checks the values that need no model, so a bad one fails before minutes of loading.</summary>
    public CategoryGenerationOptions ParseOptions(ParseResult parse, bool startOver)
    {
        Positive(parse.GetValue(_steps), "--steps");
        if (parse.GetValue(_size) is int side && (side < 8 || side % 8 != 0))
        {
            throw new ArgumentException($"--size: {side} is not a positive multiple of 8");
        }

        string template = parse.GetValue(_template)!;
        if (!template.Contains("{name}", StringComparison.Ordinal))
        {
            throw new ArgumentException($"--prompt-template: '{template}' has no {{name}}");
        }

        return new CategoryGenerationOptions
        {
            PromptTemplate = template,
            PerCategory = Positive(parse.GetValue(_perCategory), "--per-category"),
            Seed = parse.GetValue(_seed),
            BatchSize = Positive(parse.GetValue(_batch), "--generate-batch"),
            StartOver = startOver,
        };
    }

    /// <summary>Loads the model and returns a generator that owns it.</summary>
    public StableDiffusionGenerator CreateGenerator(ParseResult parse, Device device)
    {
        string model = parse.GetValue(_model) ?? throw new ArgumentException("--model: required to generate images");
        SchedulerKind kind = SchedulerFactory.ParseKind(parse.GetValue(_scheduler)!);
        var pipeline = StableDiffusionPipeline.FromPretrained(model, new StableDiffusionLoadOptions { Device = device, Variant = parse.GetValue(_variant) });
        try
        {
            int? size = parse.GetValue(_size);
            return new StableDiffusionGenerator(pipeline, new StableDiffusionGeneratorOptions
            {
                NegativePrompt = parse.GetValue(_negative) ?? "",
                GuidanceScale = parse.GetValue(_guidance),
                Steps = parse.GetValue(_steps),
                Scheduler = kind,
                Width = size,
                Height = size,
            }, ownsPipeline: true);
        }
        catch
        {
            pipeline.Dispose();
            throw;
        }
    }

    private static int Positive(int value, string option) =>
        value >= 1 ? value : throw new ArgumentException($"{option}: must be at least 1 (got {value})");
}
