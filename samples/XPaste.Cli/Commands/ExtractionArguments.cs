using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using XPaste.Abstractions;
using XPaste.Clip;
using XPaste.Extraction;
using XPaste.Offline;
using static TorchSharp.torch;

namespace XPaste.Cli.Commands;

/// <summary>The extraction and CLIP options the extracting commands share (<c>bank extract</c>, <c>bank run</c>), and the stage they build.</summary>
internal sealed class ExtractionArguments
{
    private readonly Option<string[]> _extractors = new Option<string[]>("--extractor")
    {
        Description = "Extractors, comma-separated or repeated: u2net or u2netp (need --weights), clipseg (needs --clipseg-model), plain (no weights), sam (needs --sam-model; refines the mask of --sam-prompt-from). Every one runs on each image; with --clip the mask CLIP scores highest wins. Default: u2net with --weights, else plain.",
        AllowMultipleArgumentsPerToken = true,
    };

    private readonly Option<FileInfo?> _weights = new Option<FileInfo?>("--weights") { Description = "U^2-Net checkpoint: the published u2net.pth / u2netp.pth or a .safetensors with the same keys." };
    private readonly Option<string?> _clipsegModel = new Option<string?>("--clipseg-model") { Description = "CLIPSeg model folder or Hub repository id for clipseg (X-Paste's weights: CIDAS/clipseg-rd64)." };
    private readonly Option<string> _clipsegPrompt = new Option<string>("--clipseg-prompt") { Description = "CLIPSeg's prompt; {name} is the category name with underscores as spaces.", DefaultValueFactory = _ => ClipSegExtractorOptions.Default.PromptTemplate };
    private readonly Option<string?> _samModel = new Option<string?>("--sam-model") { Description = "Segment Anything model folder or Hub repository id for sam (e.g. facebook/sam-vit-base)." };
    private readonly Option<string?> _samPromptFrom = new Option<string?>("--sam-prompt-from") { Description = "The extractor whose mask prompts sam (the tight box of its largest component): u2net, u2netp, clipseg or plain. Default: the first other listed extractor, else plain." };
    private readonly Option<string> _samMasks = new Option<string>("--sam-masks") { Description = "sam's multimask outputs: best (the highest predicted IoU, as the reference; one candidate named sam) or all (three candidates sam-0, sam-1, sam-2 from one SAM run per image; CLIP picks among them).", DefaultValueFactory = _ => "best" }.OneOf("best", "all");
    private readonly Option<string> _samPoint = new Option<string>("--sam-point") { Description = "A positive point prompt beside the box: none, centroid (of the prompt mask's largest component) or peak (its highest value: CLIPSeg's heatmap maximum).", DefaultValueFactory = _ => "none" }.OneOf("none", "centroid", "peak");
    private readonly Option<string> _samDType = new Option<string>("--sam-dtype") { Description = "sam's weights and activations: fp32 (the reference), bf16 (opt-in on CPUs with bf16 support: the ViT-B encoder in about 0.6x fp32's CPU time, embeddings within about 1% of fp32's; docs/performance.md) or fp16 (CUDA). Layer norms and softmaxes compute in fp32 either way.", DefaultValueFactory = _ => "fp32" }.OneOf("fp32", "bf16", "fp16");
    private readonly Option<int> _batch = new Option<int>("--batch-size") { Description = "Images segmented together.", DefaultValueFactory = _ => 8 }.AtLeast(1);
    private readonly Option<int> _inputSize = new Option<int>("--input-size") { Description = "U^2-Net input side (X-Paste: 256).", DefaultValueFactory = _ => 256 }.AtLeast(OptionRules.MinimumImageSide);
    private readonly Option<double> _minArea = new Option<double>("--min-area") { Description = "Reject masks covering less of the image than this fraction.", DefaultValueFactory = _ => 0.05 }.Between(0.0, 1.0);
    private readonly Option<double> _maxArea = new Option<double>("--max-area") { Description = "Reject masks covering more of the image than this fraction.", DefaultValueFactory = _ => 0.95 }.Between(0.0, 1.0);
    private readonly Option<string?> _clip = new Option<string?>("--clip") { Description = "CLIP model folder or Hub repository id (X-Paste: openai/clip-vit-large-patch14); without it nothing is filtered." };
    private readonly Option<float> _minClip = new Option<float>("--min-clip") { Description = "CLIP rule: keep a score >= min(this, best score of the category - tolerance).", DefaultValueFactory = _ => 21f }.Finite();
    private readonly Option<float> _tolerance = new Option<float>("--tolerance") { Description = "CLIP rule tolerance below the category's best score.", DefaultValueFactory = _ => 1f }.AtLeast(0f).Finite();
    private readonly Option<string> _selection = new Option<string>("--selection") { Description = "Selection preset: reference (the paper: CLIP's best mask wins, a winner failing the area test drops the image) or quality (area measured on the kept component; CLIP's best among masks passing every rule; cut-outs at least --min-cutout-side px).", DefaultValueFactory = _ => "reference" }.OneOf("reference", "quality");
    private readonly Option<int> _minCutoutSide = new Option<int>("--min-cutout-side") { Description = "With --selection quality: the smallest cut-out short side in pixels.", DefaultValueFactory = _ => 32 }.AtLeast(0);
    private readonly Option<int?> _budget = new Option<int?>("--per-category-budget") { Description = "Keep at most this many instances per category (opt-in); the rest are recorded as over_budget." }.AtLeast(1);
    private readonly Option<int?> _nearDuplicates = new Option<int?>("--near-duplicate-distance") { Description = "Reject an image whose perceptual hash is within this many bits of an earlier image of its category (opt-in; the crawler's hash; 0 to 64)." }.AtLeast(0);
    private readonly Option<string> _device = DeviceChoice.CreateOption();
    private readonly RealCropArguments _real = new();

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _extractors, _weights, _clipsegModel, _clipsegPrompt, _samModel, _samPromptFrom, _samMasks, _samPoint, _samDType, _batch, _inputSize, _minArea, _maxArea, _selection, _minCutoutSide, _budget, _nearDuplicates, _clip, _minClip, _tolerance, _device })
        {
            command.Options.Add(option);
        }

        _real.AddTo(command);
    }

    /// <summary>Builds the extractors, the CLIP filter and the offline pipeline; the result owns them.</summary>
    public async Task<ExtractionSetup> CreateAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        Device device = DeviceChoice.Resolve(parse.GetValue(_device)!);
        FileInfo? weights = parse.GetValue(_weights);
        int batch = Positive(parse.GetValue(_batch), "--batch-size");
        int inputSize = Positive(parse.GetValue(_inputSize), "--input-size");
        double minArea = parse.GetValue(_minArea), maxArea = parse.GetValue(_maxArea);
        if (minArea > maxArea)
        {
            throw new CliUsageException($"--min-area {minArea} is above --max-area {maxArea}: every mask would be rejected");
        }

        string[] names = ParseExtractors(parse.GetValue(_extractors));
        // Checked and read before any model loads: a wrong value or a missing file fails at once.
        RealSimilarityOptions? real = await _real.CreateAsync(parse, parse.GetValue(_clip) is not null, cancellationToken).ConfigureAwait(false);
        var choice = new ExtractorChoice(weights, parse.GetValue(_clipsegModel), parse.GetValue(_clipsegPrompt)!, inputSize)
        {
            SamModel = parse.GetValue(_samModel),
            SamPromptFrom = SamPromptSource(parse.GetValue(_samPromptFrom), names),
            SamMasks = parse.GetValue(_samMasks)!,
            SamPoint = parse.GetValue(_samPoint)!,
            SamDType = parse.GetValue(_samDType)!,
        };
        if (names.Length == 0)
        {
            names = weights is null ? ["plain"] : ["u2net"];
        }

        var setup = new ExtractionSetup { Device = device, Loggers = CreateLoggers() };
        try
        {
            foreach (string name in names)
            {
                if (name == "sam")
                {
                    // sam refines another extractor's masks: that one is built first (see CreateSamAsync). With
                    // --sam-masks all its candidates are sam-0..2, served by the SamExtractor that setup.Owned disposes.
                    SamExtractor sam = await CreateSamAsync(choice, setup.Extractors, setup.Owned, batch, device, cancellationToken).ConfigureAwait(false);
                    setup.Owned.Add(sam);
                    setup.Extractors.AddRange(sam.Candidates);
                    continue;
                }

                setup.Extractors.Add(await CreateExtractorAsync(name, choice, batch, device, cancellationToken).ConfigureAwait(false));
            }

            string? clip = parse.GetValue(_clip);
            float minClip = parse.GetValue(_minClip), tolerance = parse.GetValue(_tolerance);
            if (clip is not null)
            {
                string folder = await ClipCommand.ResolveModelAsync(clip, cancellationToken).ConfigureAwait(false);
                setup.Filter = ClipZeroShotFilter.FromPretrained(folder, new ClipZeroShotOptions
                {
                    MinScore = minClip, Tolerance = tolerance, BatchSize = batch, Model = new ClipModelOptions { Device = device },
                }, cancellationToken);
            }

            string selection = parse.GetValue(_selection)!;
            int minCutoutSide = parse.GetValue(_minCutoutSide);
            var limits = new InstancePostProcessorOptions { MinArea = minArea, MaxArea = maxArea };
            setup.Pipeline = new OfflinePipeline(setup.Extractors, setup.Filter, new OfflinePipelineOptions
            {
                BatchSize = batch,
                Device = device,
                Selection = selection == "quality" ? InstanceSelectorOptions.WithQuality(limits, minCutoutSide) : new InstanceSelectorOptions { PostProcessing = limits },
                PerCategoryBudget = parse.GetValue(_budget),
                NearDuplicateDistance = parse.GetValue(_nearDuplicates),
                RealSimilarity = real,
            }, setup.Loggers.CreateLogger<OfflinePipeline>());
            var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["extractors"] = string.Join(",", names),
                ["min_area"] = minArea.ToString(CultureInfo.InvariantCulture),
                ["max_area"] = maxArea.ToString(CultureInfo.InvariantCulture),
                ["clip"] = clip ?? "",
            };
            if (parse.GetValue(_nearDuplicates) is int distance)
            {
                settings["near_duplicate_distance"] = distance.ToString(CultureInfo.InvariantCulture);
            }

            if (parse.GetValue(_budget) is int budget)
            {
                settings["per_category_budget"] = budget.ToString(CultureInfo.InvariantCulture);
            }

            _real.Record(parse, real, settings);

            if (selection != "reference")
            {
                // Recorded only when not the default, so runs begun before the option existed still resume.
                settings["selection"] = selection;
                settings["min_cutout_side"] = minCutoutSide.ToString(CultureInfo.InvariantCulture);
            }

            if (weights is not null)
            {
                settings["weights"] = weights.Name;
                settings["input_size"] = inputSize.ToString(CultureInfo.InvariantCulture);
            }

            if (choice.ClipSegModel is not null)
            {
                settings["clipseg_model"] = choice.ClipSegModel;
                settings["clipseg_prompt"] = choice.ClipSegPrompt;
            }

            if (names.Contains("sam"))
            {
                settings["sam_model"] = choice.SamModel ?? "";
                settings["sam_prompt_from"] = choice.SamPromptFrom;
                // Recorded only when not the default, so runs begun before these options existed still resume.
                if (choice.SamMasks != "best")
                {
                    settings["sam_masks"] = choice.SamMasks;
                }

                if (choice.SamPoint != "none")
                {
                    settings["sam_point"] = choice.SamPoint;
                }

                if (choice.SamDType != "fp32")
                {
                    settings["sam_dtype"] = choice.SamDType;
                }
            }

            if (clip is not null)
            {
                settings["min_clip"] = minClip.ToString(CultureInfo.InvariantCulture);
                settings["tolerance"] = tolerance.ToString(CultureInfo.InvariantCulture);
            }

            setup.Settings = settings;
            setup.Description = $"extractors {string.Join(", ", names)}; " + (clip is null ? "no CLIP filter" : $"CLIP filter {clip} (min {minClip}, tolerance {tolerance})")
                + (real is null ? "" : $"; real-crop similarity >= {real.MinSimilarity.ToString(CultureInfo.InvariantCulture)}") + (names.Contains("sam") && choice.SamDType != "fp32" ? $"; sam in {choice.SamDType}" : "") + $"; {selection} selection; on {device.type}";
            return setup;
        }
        catch
        {
            setup.Dispose();
            throw;
        }
    }

    /// <summary>Warnings of the pipeline (a category without real crops) on standard error, one line each.</summary>
    private static ILoggerFactory CreateLoggers() => LoggerFactory.Create(b => b
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
        .AddSimpleConsole(o => o.SingleLine = true)
        .SetMinimumLevel(LogLevel.Warning));

    /// <summary>Each extractor's own model option.</summary>
    internal sealed record ExtractorChoice(FileInfo? Weights, string? ClipSegModel, string ClipSegPrompt, int U2NetInputSize)
    {
        /// <summary>The SAM model folder or Hub id.</summary>
        public string? SamModel { get; init; }

        /// <summary>The extractor whose masks prompt SAM.</summary>
        public string SamPromptFrom { get; init; } = "plain";

        /// <summary><c>best</c> (one candidate, sam) or <c>all</c> (sam-0, sam-1, sam-2).</summary>
        public string SamMasks { get; init; } = "best";

        /// <summary>The positive point beside the box: <c>none</c>, <c>centroid</c> or <c>peak</c>.</summary>
        public string SamPoint { get; init; } = "none";

        /// <summary>SAM's weights: <c>fp32</c>, <c>bf16</c> or <c>fp16</c>.</summary>
        public string SamDType { get; init; } = "fp32";
    }

    private static readonly string[] KnownExtractors = ["u2net", "u2netp", "clipseg", "plain", "sam"];

    private static readonly string[] SamPromptSources = ["u2net", "u2netp", "clipseg", "plain"];

    /// <summary>The named prompt source, else the first other listed extractor, else plain; sam itself is not one.</summary>
    internal static string SamPromptSource(string? value, string[] names)
    {
        if (value is not null)
        {
            return SamPromptSources.Contains(value, StringComparer.Ordinal)
                ? value
                : throw new CliUsageException($"--sam-prompt-from: unknown extractor '{value}' (choose from {string.Join(", ", SamPromptSources)})");
        }

        return names.FirstOrDefault(n => n != "sam") ?? "plain";
    }

    /// <summary>
    /// SAM prompted by the masks of <see cref="ExtractorChoice.SamPromptFrom"/>: the listed extractor of that name when
    /// there is one (shared), else a new one added to <paramref name="owned"/> for the setup to dispose.
    /// </summary>
    internal static async Task<SamExtractor> CreateSamAsync(ExtractorChoice choice, IReadOnlyList<IInstanceExtractor> built, List<IDisposable> owned, int batchSize, Device device,
        CancellationToken cancellationToken)
    {
        if (choice.SamModel is null)
        {
            throw new InvalidInputException("--sam-model", "the sam extractor needs a Segment Anything model folder or Hub id (e.g. facebook/sam-vit-base)");
        }

        IInstanceExtractor? shared = built.FirstOrDefault(e => e.Name == choice.SamPromptFrom);
        IInstanceExtractor source = shared ?? await CreateExtractorAsync(choice.SamPromptFrom, choice, batchSize, device, cancellationToken).ConfigureAwait(false);
        try
        {
            var options = new SamExtractorOptions
            {
                BatchSize = batchSize,
                MaskChoice = choice.SamMasks == "all" ? SamMaskChoice.All : SamMaskChoice.HighestIou,
                UseCentroidPoint = choice.SamPoint == "centroid",
                UsePeakPoint = choice.SamPoint == "peak",
                Model = new SamLoadOptions
                {
                    Device = device,
                    DType = choice.SamDType switch { "bf16" => ScalarType.BFloat16, "fp16" => ScalarType.Float16, _ => ScalarType.Float32 },
                },
            };
            SamExtractor sam = SamExtractor.FromPretrained(choice.SamModel, source, options, cancellationToken);
            if (shared is null && source is IDisposable disposable)
            {
                owned.Add(disposable);
            }

            return sam;
        }
        catch
        {
            if (shared is null && source is IDisposable disposable)
            {
                disposable.Dispose();
            }

            throw;
        }
    }

    /// <summary>Splits <c>u2net,clipseg plain</c> into names, in order, each once; an unknown name is a usage error.</summary>
    internal static string[] ParseExtractors(string[]? values)
    {
        string[] names = (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal).ToArray();
        string? unknown = names.FirstOrDefault(n => !KnownExtractors.Contains(n, StringComparer.Ordinal));
        if (unknown is not null)
        {
            // A command-line mistake: exits with the usage code (see ExitCodes).
            throw new CliUsageException($"--extractor: unknown extractor '{unknown}' (choose from {string.Join(", ", KnownExtractors)})");
        }

        if (names.Contains("u2net") && names.Contains("u2netp"))
        {
            throw new CliUsageException("--extractor: u2net and u2netp need different checkpoints but share --weights; list one of them");
        }

        return names;
    }

    internal static async Task<IInstanceExtractor> CreateExtractorAsync(string name, ExtractorChoice choice, int batchSize, Device device, CancellationToken cancellationToken)
    {
        switch (name)
        {
            case "plain":
                return new PlainBackgroundExtractor();
            case "clipseg":
                if (choice.ClipSegModel is null)
                {
                    throw new InvalidInputException("--clipseg-model", "the clipseg extractor needs a CLIPSeg model folder or Hub id (X-Paste's: CIDAS/clipseg-rd64)");
                }

                string folder = await ClipCommand.ResolveModelAsync(choice.ClipSegModel, cancellationToken).ConfigureAwait(false);
                return ClipSegExtractor.FromPretrained(folder, new ClipSegExtractorOptions
                {
                    PromptTemplate = choice.ClipSegPrompt, BatchSize = batchSize, Model = new ClipSegModelOptions { Device = device },
                }, cancellationToken);
            default:
                if (choice.Weights is null)
                {
                    throw new InvalidInputException("--weights", $"the {name} extractor needs a checkpoint ({name}.pth from the U^2-Net release, or a .safetensors with its keys)");
                }

                U2NetExtractor u2net = U2NetExtractor.FromPretrained(choice.Weights.FullName, new U2NetExtractorOptions
                {
                    InputSize = choice.U2NetInputSize, BatchSize = batchSize, Model = new U2NetOptions { Device = device },
                }, cancellationToken);
                if (u2net.Name != name)
                {
                    // The size is read from the checkpoint; the name on the command line must agree with it.
                    u2net.Dispose();
                    throw new InvalidInputException(choice.Weights.FullName, $"a {u2net.Name} checkpoint, but --extractor asks for {name}");
                }

                return u2net;
        }
    }

    private static int Positive(int value, string option) =>
        value >= 1 ? value : throw new CliUsageException($"{option}: must be at least 1 (got {value})");
}

/// <summary>The extractors, filter and offline pipeline built from the options, with the settings they record.</summary>
internal sealed class ExtractionSetup : IDisposable
{
    public List<IInstanceExtractor> Extractors { get; } = [];

    /// <summary>What the extractors' list does not own: the SAM extractor behind the sam-0..2 candidates (disposed once, after the extractors).</summary>
    public List<IDisposable> Owned { get; } = [];

    public required Device Device { get; init; }

    /// <summary>Where the pipeline's warnings go (standard error).</summary>
    public required ILoggerFactory Loggers { get; init; }

    public ClipZeroShotFilter? Filter { get; set; }

    public OfflinePipeline Pipeline { get; set; } = null!;

    public IReadOnlyDictionary<string, string> Settings { get; set; } = new Dictionary<string, string>();

    public string Description { get; set; } = "";

    public void Dispose()
    {
        foreach (IDisposable disposable in Extractors.OfType<IDisposable>().Concat(Owned).Distinct())
        {
            disposable.Dispose();
        }

        Filter?.Dispose();
        Loggers.Dispose();
    }
}
