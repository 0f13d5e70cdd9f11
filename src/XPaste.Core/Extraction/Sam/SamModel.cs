using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// Segment Anything (Kirillov et al., 2023) as Hugging Face transformers' <c>SamModel</c> defines it: a ViT image
/// encoder with windowed and global attention and a neck (<c>vision_encoder.*</c>), the shared random Fourier
/// positional embedding (<c>shared_image_embedding</c>), the prompt encoder (<c>prompt_encoder.*</c>, whose
/// <c>shared_embedding</c> is the same module) and the mask decoder with its two-way transformer
/// (<c>mask_decoder.*</c>). Names equal the checkpoint keys, so facebook/sam-vit-base, -large and -huge load as they are.
/// </summary>
/// <remarks>
/// Inputs come from <see cref="SamProcessor"/>: pixels resized, normalised and padded to <c>image_size</c>, prompt
/// coordinates in that frame. The image embeddings can be computed once (<see cref="GetImageEmbeddings"/>) and reused
/// for many prompts (<see cref="ForwardWithEmbeddings"/>). Every call runs in inference mode inside a dispose scope;
/// results belong to the caller.
/// </remarks>
public sealed class SamModel : nn.Module
{
    internal readonly SamPositionalEmbedding shared_image_embedding;
    internal readonly SamVisionEncoder vision_encoder;
    internal readonly SamPromptEncoder prompt_encoder;
    internal readonly SamMaskDecoder mask_decoder;

    /// <summary>The tied buffer that <c>save_pretrained</c> leaves out of <c>model.safetensors</c>.</summary>
    internal const string TiedKey = "prompt_encoder.shared_embedding.positional_embedding";

    private long _imagesEncoded;
    private long _imagesDecoded;

    /// <summary>
    /// Builds a model with freshly initialised (random) weights; use <see cref="FromPretrained"/> for a trained one.
    /// On the meta device (<c>torch.META</c>) nothing is allocated, which is enough to inspect names and shapes.
    /// </summary>
    /// <param name="config">The architecture.</param>
    /// <param name="device">Where the parameters live; the CPU when null.</param>
    public SamModel(SamConfig config, Device? device = null) : base(nameof(SamModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        Device = device ?? CPU;
        shared_image_embedding = new SamPositionalEmbedding(config.Vision, Device);
        vision_encoder = new SamVisionEncoder(config.Vision, Device);
        prompt_encoder = new SamPromptEncoder(config.PromptEncoder, shared_image_embedding, Device);
        mask_decoder = new SamMaskDecoder(config.MaskDecoder, Device);
        RegisterComponents();
        eval();
    }

    /// <summary>The architecture.</summary>
    public SamConfig Config { get; }

    /// <summary>Where the parameters live; inputs are moved here.</summary>
    public Device Device { get; }

    /// <summary>The dtype of the weights (float32, or float16 when loaded so).</summary>
    public ScalarType DType => vision_encoder.patch_embed.projection.weight!.dtype;

    /// <summary>What <see cref="FromPretrained"/> loaded; null for a model built with random weights.</summary>
    public WeightLoadReport? LoadReport { get; private set; }

    /// <summary>Images run through the image encoder so far (a count for tests of embedding reuse).</summary>
    internal long ImagesEncoded => Interlocked.Read(ref _imagesEncoded);

    /// <summary>Images run through the mask decoder so far.</summary>
    internal long ImagesDecoded => Interlocked.Read(ref _imagesDecoded);

    /// <summary>The folder <see cref="FromPretrained"/> loaded (the Hub snapshot for a repo id); null otherwise.</summary>
    internal string? SourceFolder { get; private set; }

    /// <summary>
    /// Loads a Hugging Face SAM model: a folder with <c>config.json</c> (see <see cref="SamConfig"/>) and
    /// <c>model.safetensors</c> (or <c>pytorch_model.bin</c>), or a Hub repo id (<c>facebook/sam-vit-base</c>) fetched
    /// into, or found in, the Hub cache by the model store. Strict: every tensor must be there with its shape and
    /// nothing else, except the tied <c>prompt_encoder.shared_embedding.positional_embedding</c>, which is the same
    /// tensor as <c>shared_image_embedding.positional_embedding</c> and is filled from it.
    /// </summary>
    /// <param name="nameOrPath">A model folder or a Hub repo id.</param>
    /// <param name="options">Device, dtype, Hub settings, logger; fp32 on the CPU when null.</param>
    /// <param name="cancellationToken">Cancels a download.</param>
    /// <returns>The model, in eval mode.</returns>
    /// <exception cref="InvalidInputException">The folder or a file is missing, or the configuration is invalid.</exception>
    /// <exception cref="InvalidWeightsException">The weights file is truncated or unreadable.</exception>
    /// <exception cref="WeightsMismatchException">The weights do not fit the configuration (lists every missing, unexpected and mis-shaped tensor).</exception>
    public static SamModel FromPretrained(string nameOrPath, SamLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameOrPath);
        options ??= SamLoadOptions.Default;
        if (options.DType is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16))
        {
            throw new ArgumentException($"unsupported dtype {options.DType} (float32, float16 or bfloat16)", nameof(options));
        }

        string folder = ResolveFolder(nameOrPath, options, cancellationToken);
        ILogger logger = options.Logger ?? NullLogger.Instance;
        SamConfig config = SamConfig.Load(Path.Combine(folder, "config.json"));
        string weights = TransformersWeights.Find(folder, "SAM");
        var model = new SamModel(config, options.Device);
        try
        {
            model.LoadReport = StateDictLoader.Load(model, weights, new StateDictLoadOptions
            {
                Strict = true,
                Ignore = name => name == TiedKey,
            });
            SamLog.WeightsLoaded(logger, model.LoadReport);
            model.SourceFolder = folder;
            if (options.DType != ScalarType.Float32)
            {
                model.to(options.DType);
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The parameters and buffers by checkpoint name, with the tied <c>prompt_encoder.shared_embedding.positional_embedding</c>
    /// listed as PyTorch lists it (the same tensor as <c>shared_image_embedding.positional_embedding</c>).
    /// </summary>
    /// <param name="destination">Where to add the entries; a new dictionary when null.</param>
    /// <param name="prefix">Prepended to every name.</param>
    /// <returns>The state.</returns>
    public override Dictionary<string, Tensor> state_dict(Dictionary<string, Tensor>? destination = null, string? prefix = null)
    {
        Dictionary<string, Tensor> result = base.state_dict(destination, prefix);
        result.TryAdd(string.IsNullOrEmpty(prefix) ? TiedKey : $"{prefix}.{TiedKey}", shared_image_embedding.positional_embedding);
        return result;
    }

    /// <summary>The image embeddings (transformers' <c>get_image_embeddings</c>), to reuse for many prompts.</summary>
    /// <param name="pixelValues"><c>[B,3,S,S]</c> from <see cref="SamProcessor"/>, S = <c>image_size</c>.</param>
    /// <returns><c>[B,C,G,G]</c> in the model's dtype on <see cref="Device"/>.</returns>
    public Tensor GetImageEmbeddings(Tensor pixelValues)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        CheckPixels(pixelValues);
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        Interlocked.Add(ref _imagesEncoded, pixelValues.shape[0]);
        return vision_encoder.Forward(pixelValues.to(DType, Device), null).MoveToOuterDisposeScope();
    }

    /// <summary>The positional encoding of the embedding grid <c>[1,C,G,G]</c> (transformers' <c>get_image_wide_positional_embeddings</c>), float32.</summary>
    /// <returns>The encoding on <see cref="Device"/>.</returns>
    public Tensor GetImageWidePositionalEmbeddings()
    {
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        int size = Config.PromptEncoder.ImageEmbeddingSize;
        Tensor centres = (arange(size, ScalarType.Float32, Device) + 0.5) / size;
        Tensor grid = stack([centres.unsqueeze(0).expand(size, size), centres.unsqueeze(1).expand(size, size)], -1);
        return shared_image_embedding.call(grid).permute(2, 0, 1).unsqueeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>Masks and IoU scores for the prompts (transformers' <c>SamModel.forward</c>).</summary>
    /// <param name="pixelValues"><c>[B,3,S,S]</c> from <see cref="SamProcessor"/>.</param>
    /// <param name="inputPoints"><c>[B,P,N,2]</c> (x, y) in the resized frame; needs <paramref name="inputLabels"/>.</param>
    /// <param name="inputLabels"><c>[B,P,N]</c>: 1 foreground, 0 background, -1 not a point, -10 padding.</param>
    /// <param name="inputBoxes"><c>[B,P,4]</c> boxes (x1, y1, x2, y2) in the resized frame.</param>
    /// <param name="inputMasks"><c>[B,1,4G,4G]</c> low-resolution mask logits from an earlier call.</param>
    /// <param name="multimaskOutput">Three masks per prompt (true, the reference default) or one.</param>
    /// <returns>The IoU scores and low-resolution masks.</returns>
    public SamOutput forward(Tensor pixelValues, Tensor? inputPoints = null, Tensor? inputLabels = null, Tensor? inputBoxes = null,
        Tensor? inputMasks = null, bool multimaskOutput = true)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        return Run(pixelValues, null, inputPoints, inputLabels, inputBoxes, inputMasks, multimaskOutput, null);
    }

    /// <summary>As <see cref="forward"/> from image embeddings computed by <see cref="GetImageEmbeddings"/>.</summary>
    /// <param name="imageEmbeddings"><c>[B,C,G,G]</c>.</param>
    /// <param name="inputPoints"><c>[B,P,N,2]</c> or null.</param>
    /// <param name="inputLabels"><c>[B,P,N]</c> or null.</param>
    /// <param name="inputBoxes"><c>[B,P,4]</c> or null.</param>
    /// <param name="inputMasks"><c>[B,1,4G,4G]</c> or null.</param>
    /// <param name="multimaskOutput">Three masks per prompt or one.</param>
    /// <returns>The IoU scores and low-resolution masks.</returns>
    public SamOutput ForwardWithEmbeddings(Tensor imageEmbeddings, Tensor? inputPoints = null, Tensor? inputLabels = null, Tensor? inputBoxes = null,
        Tensor? inputMasks = null, bool multimaskOutput = true)
    {
        ArgumentNullException.ThrowIfNull(imageEmbeddings);
        return Run(null, imageEmbeddings, inputPoints, inputLabels, inputBoxes, inputMasks, multimaskOutput, null);
    }

    /// <summary>The forward pass; with <paramref name="trace"/> every intermediate is also stored under the fixture's names.</summary>
    internal SamOutput Run(Tensor? pixelValues, Tensor? imageEmbeddings, Tensor? points, Tensor? labels, Tensor? boxes, Tensor? masks,
        bool multimask, IDictionary<string, Tensor>? trace)
    {
        long batch = pixelValues is not null ? pixelValues.shape[0] : imageEmbeddings!.shape[0];
        SamInputChecks.Prompts(Config, batch, points, labels, boxes, masks);
        if (pixelValues is not null)
        {
            CheckPixels(pixelValues);
        }
        else
        {
            SamInputChecks.Embeddings(Config, imageEmbeddings!);
        }

        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        Interlocked.Add(ref _imagesDecoded, batch);
        if (pixelValues is not null)
        {
            Interlocked.Add(ref _imagesEncoded, batch);
        }

        Tensor image = pixelValues is not null
            ? vision_encoder.Forward(pixelValues.to(DType, Device), trace)
            : imageEmbeddings!.to(DType, Device);
        SamOps.Trace(trace, "image_embeddings", image);
        Tensor pe = GetImageWidePositionalEmbeddings();
        SamOps.Trace(trace, "image_positional_embeddings", pe);
        var (sparse, dense) = prompt_encoder.Forward(points?.to(Device), labels?.to(Device), boxes?.to(Device), masks?.to(Device), batch, DType);
        SamOps.Trace(trace, "sparse_embeddings", sparse);
        SamOps.Trace(trace, "dense_embeddings", dense);
        var (lowRes, iou) = mask_decoder.Forward(image, pe.to(DType).expand(batch, -1, -1, -1), sparse, dense, multimask, trace);
        Tensor iouOut = iou.to(ScalarType.Float32).MoveToOuterDisposeScope();
        Tensor masksOut = lowRes.to(ScalarType.Float32).MoveToOuterDisposeScope();
        return new SamOutput(iouOut, masksOut);
    }

    private void CheckPixels(Tensor pixelValues)
    {
        int size = Config.Vision.ImageSize;
        if (pixelValues.dim() != 4 || pixelValues.shape[1] != Config.Vision.NumChannels || pixelValues.shape[2] != size || pixelValues.shape[3] != size)
        {
            throw new ArgumentException(
                $"expected pixel values [B,{Config.Vision.NumChannels},{size},{size}] (SamProcessor's output), got [{string.Join(",", pixelValues.shape)}]",
                nameof(pixelValues));
        }
    }

    private static string ResolveFolder(string nameOrPath, SamLoadOptions options, CancellationToken cancellationToken)
    {
        if (Directory.Exists(nameOrPath))
        {
            return nameOrPath;
        }

        if (File.Exists(nameOrPath))
        {
            throw new InvalidInputException(nameOrPath, "a SAM model is a folder with config.json and model.safetensors, not a single file");
        }

        if (!SamHub.LooksLikeRepoId(nameOrPath) || Path.IsPathRooted(nameOrPath) || nameOrPath.StartsWith('.'))
        {
            throw new InvalidInputException(nameOrPath, "no such folder, and not a Hub repo id (owner/name)");
        }

        return SamHub.DownloadAsync(nameOrPath, options, cancellationToken).GetAwaiter().GetResult();
    }
}

internal static partial class SamLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "SAM weights: {Report}")]
    public static partial void WeightsLoaded(ILogger logger, WeightLoadReport report);
}
