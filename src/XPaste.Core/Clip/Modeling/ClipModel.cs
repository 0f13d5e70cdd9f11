using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using XPaste.Hub;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Clip;

/// <summary>
/// OpenAI's CLIP as Hugging Face transformers' <c>CLIPModel</c> defines it: a causal text transformer pooled at the
/// end token and a ViT pooled at the class token, each projected into a shared space. Module and parameter names
/// equal the checkpoint keys (<c>text_model.encoder.layers.0.self_attn.q_proj.weight</c>, <c>vision_model.pre_layrnorm.weight</c>,
/// <c>visual_projection.weight</c>, <c>logit_scale</c>, ...), so Hugging Face checkpoints load as they are.
/// Every public method runs in inference mode inside a dispose scope; results belong to the caller.
/// </summary>
public sealed class ClipModel : nn.Module
{
    internal readonly ClipTextTransformer text_model;
    internal readonly ClipVisionTransformer vision_model;
    internal readonly Linear visual_projection;
    internal readonly Linear text_projection;
    internal readonly Parameter logit_scale;

    /// <summary>
    /// Builds a model with freshly initialised (random) weights; use <see cref="FromPretrained"/> for a trained one.
    /// On <see cref="torch.META"/> nothing is allocated, which is enough to inspect names and shapes.
    /// </summary>
    /// <param name="config">The architecture.</param>
    /// <param name="device">Where the parameters live; the CPU when null.</param>
    public ClipModel(ClipConfig config, Device? device = null) : base(nameof(ClipModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        Device = device ?? CPU;
        text_model = new ClipTextTransformer(config.Text, Device);
        vision_model = new ClipVisionTransformer(config.Vision, Device);
        visual_projection = nn.Linear(config.Vision.HiddenSize, config.ProjectionDim, hasBias: false, device: Device);
        text_projection = nn.Linear(config.Text.HiddenSize, config.ProjectionDim, hasBias: false, device: Device);
        logit_scale = new Parameter(full(Array.Empty<long>(), config.LogitScaleInitValue, ScalarType.Float32, Device));
        RegisterComponents();
        eval();
    }

    /// <summary>The architecture.</summary>
    public ClipConfig Config { get; }

    /// <summary>Where the parameters live; inputs are moved here.</summary>
    public Device Device { get; }

    /// <summary>The dtype of the weights and activations (<c>Float32</c>, <c>Float16</c> or <c>BFloat16</c>).</summary>
    public ScalarType ComputeType { get; private set; } = ScalarType.Float32;

    /// <summary>The input resolution of the vision tower (224 for the released models).</summary>
    public int ImageSize => Config.Vision.ImageSize;

    /// <summary>What <see cref="FromPretrained"/> loaded; null for a model built with random weights.</summary>
    public WeightLoadReport? LoadReport { get; private set; }

    /// <summary>The multiplier of cosine similarities in the logits: <c>exp(logit_scale)</c> (100 for OpenAI's checkpoints).</summary>
    public float LogitScale
    {
        get
        {
            using var scope = NewDisposeScope();
            using var mode = inference_mode();
            return logit_scale.to(ScalarType.Float32).exp().cpu().item<float>();
        }
    }

    /// <summary>
    /// Loads a Hugging Face CLIP model: <c>config.json</c> plus <c>model.safetensors</c> (preferred) or
    /// <c>pytorch_model.bin</c>, then moves it to the options' device at the requested precision, in eval mode.
    /// </summary>
    /// <param name="nameOrPath">The model folder, or a Hub repo id (<c>openai/clip-vit-large-patch14</c>) fetched through <see cref="Hub.ModelStore"/> (<see cref="ClipHub.DownloadAsync"/>: only the files needed).</param>
    /// <param name="options">Device, Hub settings, precision and strictness; <see cref="ClipModelOptions.Default"/> when null.</param>
    /// <param name="cancellationToken">Cancels a Hub download; what arrived is resumed next time.</param>
    /// <returns>The model.</returns>
    /// <exception cref="InvalidInputException">The folder lacks a file, or the configuration is invalid.</exception>
    /// <exception cref="InvalidWeightsException">The weights file is truncated or unreadable.</exception>
    /// <exception cref="WeightsMismatchException">The weights do not fit the configuration (lists every missing, unexpected and mis-shaped tensor).</exception>
    /// <exception cref="HubException">A repo id could not be fetched.</exception>
    public static ClipModel FromPretrained(string nameOrPath, ClipModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= ClipModelOptions.Default;
        OptionsValidation.ThrowIfInvalid(new ClipModelOptionsValidator(), options);
        string folder = ClipHub.Resolve(nameOrPath, options, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return LoadFolder(folder, options, options.Logger ?? NullLogger.Instance);
    }

    /// <summary>Loads a local model folder with validated options.</summary>
    internal static ClipModel LoadFolder(string folder, ClipModelOptions options, ILogger logger)
    {
        ClipConfig config = ClipConfig.Load(Path.Combine(folder, "config.json"));
        string weights = TransformersWeights.Find(folder, "CLIP");
        var model = new ClipModel(config, options.ResolvedDevice);
        try
        {
            model.LoadReport = StateDictLoader.Load(model, weights, new StateDictLoadOptions
            {
                Strict = options.Strict,
                Ignore = name => name.EndsWith(".position_ids", StringComparison.Ordinal),
            });
            ClipLog.WeightsLoaded(logger, model.LoadReport);
            model.SetPrecision(options.Precision);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Projected image embeddings (not normalised), like transformers' <c>get_image_features</c>.</summary>
    /// <param name="pixelValues"><c>[N,3,S,S]</c> CLIP-normalised pixels (see <see cref="ClipImageProcessor"/>), any device and float dtype.</param>
    /// <returns><c>float32 [N, ProjectionDim]</c> on <see cref="Device"/>.</returns>
    public Tensor GetImageFeatures(Tensor pixelValues)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        Tensor pooled = vision_model.call(pixelValues.to(ComputeType, Device));
        return visual_projection.call(pooled).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Projected text embeddings (not normalised), like transformers' <c>get_text_features</c>.</summary>
    /// <param name="inputIds"><c>[N,T]</c> token ids (see <see cref="ClipTokenizer.Tokenize"/>), any integer dtype and device.</param>
    /// <returns><c>float32 [N, ProjectionDim]</c> on <see cref="Device"/>.</returns>
    public Tensor GetTextFeatures(Tensor inputIds)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (inputIds.dim() != 2)
        {
            throw new ArgumentException($"expected input ids [N,T], got [{string.Join(",", inputIds.shape)}]", nameof(inputIds));
        }

        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        Tensor pooled = text_model.call(inputIds.to(ScalarType.Int64, Device));
        return text_projection.call(pooled).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Logits between feature sets: <c>exp(logit_scale) * cosine</c>, like transformers' <c>logits_per_image</c>.</summary>
    /// <param name="imageFeatures"><c>[N,D]</c> from <see cref="GetImageFeatures"/>.</param>
    /// <param name="textFeatures"><c>[K,D]</c> from <see cref="GetTextFeatures"/>.</param>
    /// <returns><c>float32 [N,K]</c> on the features' device.</returns>
    public Tensor Logits(Tensor imageFeatures, Tensor textFeatures)
    {
        ArgumentNullException.ThrowIfNull(imageFeatures);
        ArgumentNullException.ThrowIfNull(textFeatures);
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        Tensor image = Normalize(imageFeatures.to(ScalarType.Float32));
        Tensor text = Normalize(textFeatures.to(ScalarType.Float32, imageFeatures.device));
        Tensor scale = logit_scale.to(ScalarType.Float32, image.device).exp();
        return (matmul(image, text.t()) * scale).MoveToOuterDisposeScope();
    }

    /// <summary>Both towers and their logits, like transformers' <c>CLIPModel.forward</c>.</summary>
    /// <param name="pixelValues"><c>[N,3,S,S]</c> CLIP-normalised pixels.</param>
    /// <param name="inputIds"><c>[K,T]</c> token ids.</param>
    /// <returns>Logits both ways and the L2-normalised embeddings; dispose it.</returns>
    public ClipOutput Forward(Tensor pixelValues, Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        Tensor image = Normalize(GetImageFeatures(pixelValues));
        Tensor text = Normalize(GetTextFeatures(inputIds));
        Tensor perText = matmul(text, image.t()) * logit_scale.to(ScalarType.Float32).exp();
        Tensor perImage = perText.t().contiguous();
        return new ClipOutput(perImage.MoveToOuterDisposeScope(), perText.MoveToOuterDisposeScope(),
            image.MoveToOuterDisposeScope(), text.MoveToOuterDisposeScope());
    }

    internal void SetPrecision(ClipPrecision precision)
    {
        bool half = precision == ClipPrecision.Fp16 || (precision == ClipPrecision.Auto && Device.type == DeviceType.CUDA);
        if (!half && precision != ClipPrecision.Bf16)
        {
            return;
        }

        ScalarType type = half ? ScalarType.Float16 : ScalarType.BFloat16;
        // The logit scale and the layer norms keep fp32 parameters; ClipLayerNorm widens half inputs itself.
        text_model.to(type);
        vision_model.to(type);
        visual_projection.to(type);
        text_projection.to(type);
        foreach (ClipLayerNorm norm in modules().OfType<ClipLayerNorm>())
        {
            norm.to(ScalarType.Float32);
        }

        ComputeType = type;
    }

    private static Tensor Normalize(Tensor features) => features / features.norm(-1, keepdim: true);
}

internal static partial class ClipLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "CLIP weights: {Report}")]
    public static partial void WeightsLoaded(ILogger logger, WeightLoadReport report);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "CLIP text embeddings for {Count} categories ({Templates} templates each)")]
    public static partial void TextEmbedded(ILogger logger, int count, int templates);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "CLIP: another category wins {Rejected} of {Total} images of '{Category}'")]
    public static partial void Rejected(ILogger logger, int rejected, int total, string category);
}
