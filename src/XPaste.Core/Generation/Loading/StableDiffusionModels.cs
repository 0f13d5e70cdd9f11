using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.Clip;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// The models of a Stable Diffusion 1.x/2.x pipeline, loaded from what users have: a diffusers folder
/// (<c>model_index.json</c> + sub-folders), an original single-file checkpoint (<c>.safetensors</c> / <c>.ckpt</c>),
/// or a Hugging Face Hub repo id. Every model is built on the meta device and loaded strictly.
/// </summary>
public sealed partial class StableDiffusionModels : IDisposable
{
    /// <summary>Wraps models already built (e.g. for tests); this object owns and disposes them.</summary>
    /// <param name="tokenizer">The tokenizer.</param>
    /// <param name="textEncoder">The text encoder.</param>
    /// <param name="unet">The UNet.</param>
    /// <param name="vae">The VAE.</param>
    /// <param name="schedulerConfigJson">The <c>scheduler_config.json</c> text.</param>
    /// <param name="modelId">A name for metadata.</param>
    public StableDiffusionModels(StableDiffusionTokenizer tokenizer, ClipTextModel textEncoder, UNet2DConditionModel unet, StableDiffusionVae vae,
        string schedulerConfigJson, string modelId)
    {
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        TextEncoder = textEncoder ?? throw new ArgumentNullException(nameof(textEncoder));
        Unet = unet ?? throw new ArgumentNullException(nameof(unet));
        Vae = vae ?? throw new ArgumentNullException(nameof(vae));
        SchedulerConfigJson = schedulerConfigJson ?? throw new ArgumentNullException(nameof(schedulerConfigJson));
        ModelId = modelId ?? throw new ArgumentNullException(nameof(modelId));
    }

    /// <summary>The prompt tokenizer (padding as the pipeline does).</summary>
    public StableDiffusionTokenizer Tokenizer { get; }

    /// <summary>The CLIP text encoder.</summary>
    public ClipTextModel TextEncoder { get; }

    /// <summary>The denoising UNet.</summary>
    public UNet2DConditionModel Unet { get; }

    /// <summary>The VAE: <see cref="AutoencoderKL"/>, or <see cref="AutoencoderTiny"/> (a folder whose <c>vae</c> is one, or <see cref="StableDiffusionLoadOptions.Vae"/>).</summary>
    public StableDiffusionVae Vae { get; }

    /// <summary>Where the VAE came from when <see cref="StableDiffusionLoadOptions.Vae"/> replaced the pipeline's; null otherwise.</summary>
    public string? VaeId { get; private init; }

    /// <summary>The <c>scheduler/scheduler_config.json</c> text (SD 1.5's published PNDM config for a single file without config folder).</summary>
    public string SchedulerConfigJson { get; }

    /// <summary>Where the models came from (folder, file or repo id), for metadata.</summary>
    public string ModelId { get; }

    /// <summary>Where the models live.</summary>
    public Device Device => Unet.conv_in.weight!.device;

    /// <summary>The UNet's dtype.</summary>
    public ScalarType DType => Unet.conv_in.weight!.dtype;

    /// <summary>
    /// Loads the models from a diffusers folder, a single-file checkpoint, or a Hub repo id (<c>owner/name</c>,
    /// fetched through <see cref="Hub.ModelStore"/>: only the files needed, the fp16 variant when asked).
    /// </summary>
    /// <param name="nameOrPath">A folder with <c>model_index.json</c>, a <c>.safetensors</c>/<c>.ckpt</c> file, or a repo id.</param>
    /// <param name="options">Device, dtype, variant, config folder, Hub settings, logger; fp32 on the CPU when null.</param>
    /// <param name="cancellationToken">Cancels a Hub download (what arrived is resumed next time) and the loading between components.</param>
    /// <returns>The models.</returns>
    /// <exception cref="InvalidInputException">A missing file or sub-folder, a bad config, weights that do not fit (<see cref="Weights.WeightsMismatchException"/>) or cannot be read; the message names the file.</exception>
    /// <exception cref="Hub.HubException">A repo id could not be fetched.</exception>
    public static StableDiffusionModels FromPretrained(string nameOrPath, StableDiffusionLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameOrPath);
        options ??= StableDiffusionLoadOptions.Default;
        OptionsValidation.ThrowIfInvalid(new StableDiffusionLoadOptionsValidator(), options);
        ILogger logger = options.Logger ?? NullLogger.Instance;
        string local = Hub.PretrainedSource.Resolve(nameOrPath, options,
            (store, repoId, ct) => SdHub.DownloadAsync(store, repoId, options, logger, ct), cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return Directory.Exists(local)
            ? FromFolder(local, options, logger, nameOrPath, cancellationToken)
            : WithVaeOverride(FromSingleFile(local, options, logger, cancellationToken), options, logger, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Unet.Dispose();
        Vae.Dispose();
        TextEncoder.Dispose();
    }

    /// <summary>Replaces the single file's VAE by the override (a folder skips loading its own instead).</summary>
    private static StableDiffusionModels WithVaeOverride(StableDiffusionModels models, StableDiffusionLoadOptions options, ILogger logger,
        CancellationToken cancellationToken)
    {
        if (options.Vae is null)
        {
            return models;
        }

        try
        {
            StableDiffusionVae vae = VaeLoader.Load(options.Vae, options, logger, cancellationToken);
            models.Vae.Dispose();
            return new StableDiffusionModels(models.Tokenizer, models.TextEncoder, models.Unet, vae, models.SchedulerConfigJson, models.ModelId) { VaeId = options.Vae };
        }
        catch
        {
            models.Dispose();
            throw;
        }
    }

    private static StableDiffusionModels FromFolder(string folder, StableDiffusionLoadOptions options, ILogger logger, string modelId,
        CancellationToken cancellationToken)
    {
        string index = Path.Combine(folder, "model_index.json");
        if (!File.Exists(index))
        {
            throw new InvalidInputException(folder, "not a diffusers pipeline folder: model_index.json is missing");
        }

        CheckModelIndex(index);
        string sub(string name)
        {
            string path = Path.Combine(folder, name);
            return Directory.Exists(path) ? path : throw new InvalidInputException(path, $"the pipeline folder has no '{name}' sub-folder");
        }

        string unetDir = sub("unet"), vaeDir = options.Vae is null ? sub("vae") : "", textDir = sub("text_encoder"), tokenizerDir = sub("tokenizer"), schedulerDir = sub("scheduler");
        // The variant is looked for in the components this folder supplies (an overriding VAE is loaded on its own).
        CheckVariant(options.Variant, modelId,
        [
            (textDir, "model", "pytorch_model"), (unetDir, "diffusion_pytorch_model", "diffusion_pytorch_model"),
            .. options.Vae is null ? [(vaeDir, "diffusion_pytorch_model", "diffusion_pytorch_model")] : Array.Empty<(string, string, string)>(),
        ]);
        string schedulerPath = Path.Combine(schedulerDir, "scheduler_config.json");
        string schedulerJson = File.Exists(schedulerPath)
            ? File.ReadAllText(schedulerPath)
            : throw new InvalidInputException(schedulerPath, "file not found");
        var tokenizer = StableDiffusionTokenizer.FromFolder(tokenizerDir);
        var unetConfig = UNet2DConditionConfig.Load(Path.Combine(unetDir, "config.json"));
        ClipTextConfig textConfig = ClipTextModel.ReadConfig(Path.Combine(textDir, "config.json"));

        var built = new List<IDisposable>();
        try
        {
            ClipTextModel text = LoadFromFolder(textDir, "model", "pytorch_model", options, logger, (w, s) => ComponentLoader.TextEncoder(textConfig, w, s, options, logger));
            built.Add(text);
            UNet2DConditionModel unet = LoadFromFolder(unetDir, "diffusion_pytorch_model", "diffusion_pytorch_model", options, logger,
                (w, s) => ComponentLoader.Unet(unetConfig, w, s, options, logger));
            built.Add(unet);
            StableDiffusionVae vae = options.Vae is null ? VaeLoader.FromFolder(vaeDir, options, logger) : VaeLoader.Load(options.Vae, options, logger, cancellationToken);
            return new StableDiffusionModels(tokenizer, text, unet, vae, schedulerJson, modelId) { VaeId = options.Vae };
        }
        catch
        {
            built.ForEach(b => b.Dispose());
            throw;
        }
    }

    private static T LoadFromFolder<T>(string folder, string name, string bin, StableDiffusionLoadOptions options, ILogger logger,
        Func<Dictionary<string, Tensor>, string, T> load)
    {
        var (weights, source) = ComponentLoader.ReadFolder(folder, name, bin, options.Variant, logger);
        try
        {
            return load(weights, source);
        }
        finally
        {
            DiffusersWeights.Dispose(weights);
        }
    }

    /// <summary>
    /// A variant no component has is an error naming the files looked for (as diffusers refuses it), never a silent
    /// load of the plain weights; a component without it beside others with it falls back with a warning (diffusers too).
    /// </summary>
    private static void CheckVariant(string? variant, string modelId, params (string Folder, string Name, string Bin)[] components)
    {
        if (variant is null || components.Any(c => DiffusersWeights.Find(c.Folder, c.Name, c.Bin, variant) is not null))
        {
            return;
        }

        string looked = string.Join(", ", components.Select(c => $"{Path.GetFileName(c.Folder)}/{c.Name}.{variant}.safetensors"));
        throw new InvalidInputException(modelId,
            $"no '{variant}' variant weights: looked for {looked} (and their .bin and sharded forms); leave out the variant to load the plain weights");
    }

    private static void CheckModelIndex(string path)
    {
        var index = ConfigJson.Load(path);
        (string Key, string Class)[] expected =
            [("unet", "UNet2DConditionModel"), ("vae", "AutoencoderKL|AutoencoderTiny"), ("text_encoder", "CLIPTextModel")];
        foreach (var (key, cls) in expected)
        {
            if (index.Has(key) && index.StringListOrNulls(key) is { Count: 2 } entry && entry[1] is { } actual && !cls.Split('|').Contains(actual))
            {
                throw new InvalidInputException(path, $"'{key}' is a {actual}; only {cls.Replace("|", " or ", StringComparison.Ordinal)} is supported");
            }
        }
    }
}
