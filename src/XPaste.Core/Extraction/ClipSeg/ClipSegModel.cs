using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.Clip;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// CLIPSeg (Lüddecke and Ecker, 2022) as Hugging Face transformers' <c>CLIPSegForImageSegmentation</c> defines it: a
/// frozen CLIP (the same towers as <see cref="ClipModel"/>, under <c>clip.*</c>) whose text embedding conditions a small
/// decoder over intermediate vision activations (<c>decoder.*</c>), giving per-pixel mask logits for a text prompt.
/// Module and parameter names equal the checkpoint keys, so CIDAS/clipseg-rd64 (the weights X-Paste uses, one plain
/// transposed convolution) and CIDAS/clipseg-rd64-refined (three layers) load as they are.
/// </summary>
/// <remarks>
/// Any square input whose side is a multiple of the patch size works: the vision position table is resized to the
/// patch grid (bicubic) on every call, as the reference does, and the logits come out at the input size. Every call
/// runs in inference mode inside a dispose scope; results belong to the caller.
/// </remarks>
public sealed class ClipSegModel : nn.Module<Tensor, Tensor, Tensor>
{
    internal readonly ClipModel clip;
    internal readonly ClipSegDecoder decoder;

    /// <summary>
    /// Builds a model with freshly initialised (random) weights; use <see cref="FromPretrained"/> for a trained one.
    /// On the meta device (<c>torch.META</c>) nothing is allocated, which is enough to inspect names and shapes.
    /// </summary>
    /// <param name="config">The architecture.</param>
    /// <param name="device">Where the parameters live; the CPU when null.</param>
    public ClipSegModel(ClipSegConfig config, Device? device = null) : base(nameof(ClipSegModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        Device = device ?? CPU;
        clip = new ClipModel(config.Clip, Device);
        decoder = new ClipSegDecoder(config, Device);
        RegisterComponents();
        eval();
    }

    /// <summary>The architecture.</summary>
    public ClipSegConfig Config { get; }

    /// <summary>Where the parameters live; inputs are moved here.</summary>
    public Device Device { get; }

    /// <summary>What <see cref="FromPretrained"/> loaded; null for a model built with random weights.</summary>
    public WeightLoadReport? LoadReport { get; private set; }

    /// <summary>The patch size: input sides must be multiples of it.</summary>
    public int PatchSize => Config.Clip.Vision.PatchSize;

    /// <summary>
    /// Loads a Hugging Face CLIPSeg folder: <c>config.json</c> (read strictly, see <see cref="ClipSegConfig"/>) plus
    /// <c>model.safetensors</c> (preferred) or <c>pytorch_model.bin</c>, strictly: every tensor must be present with
    /// its shape and nothing else may be there, except the stale <c>*.position_ids</c> buffers older transformers
    /// saved, which are ignored as current transformers does.
    /// </summary>
    /// <param name="nameOrPath">The model folder, or a Hub repo id (CIDAS/clipseg-rd64-refined) fetched through <see cref="Hub.ModelStore"/>.</param>
    /// <param name="options">Device, Hub settings, logger; <see cref="ClipSegModelOptions.Default"/> when null.</param>
    /// <param name="cancellationToken">Cancels a Hub download; what arrived is resumed next time.</param>
    /// <returns>The model, in eval mode, float32.</returns>
    /// <exception cref="InvalidInputException">The folder lacks a file, or the configuration is invalid.</exception>
    /// <exception cref="InvalidWeightsException">The weights file is truncated or unreadable.</exception>
    /// <exception cref="WeightsMismatchException">The weights do not fit the configuration (lists every missing, unexpected and mis-shaped tensor).</exception>
    /// <exception cref="Hub.HubException">A repo id could not be fetched.</exception>
    public static ClipSegModel FromPretrained(string nameOrPath, ClipSegModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= ClipSegModelOptions.Default;
        string folder = ClipHub.Resolve(nameOrPath, options, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return LoadFolder(folder, options);
    }

    /// <summary>Loads a local model folder.</summary>
    internal static ClipSegModel LoadFolder(string folder, ClipSegModelOptions options)
    {
        ILogger logger = options.Logger ?? NullLogger.Instance;
        ClipSegConfig config = ClipSegConfig.Load(Path.Combine(folder, "config.json"));
        string weights = TransformersWeights.Find(folder, "CLIPSeg");
        var model = new ClipSegModel(config, options.ResolvedDevice);
        try
        {
            model.LoadReport = StateDictLoader.Load(model, weights, new StateDictLoadOptions
            {
                Strict = true,
                Ignore = name => name.EndsWith(".position_ids", StringComparison.Ordinal),
            });
            ClipSegLog.WeightsLoaded(logger, model.LoadReport);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Mask logits for each image and its prompt (transformers' <c>logits</c>).</summary>
    /// <param name="pixelValues"><c>[B,3,S,S]</c> normalised pixels (ImageNet mean/std for the published models), S a multiple of <see cref="PatchSize"/>; any device and float dtype.</param>
    /// <param name="inputIds"><c>[B,T]</c> CLIP token ids, T at most 77, one row per image (see <see cref="ClipTokenizer.Tokenize"/>); any integer dtype and device.</param>
    /// <returns><c>float32 [B,S,S]</c> logits on <see cref="Device"/>; sigmoid gives the foreground probability.</returns>
    public override Tensor forward(Tensor pixelValues, Tensor inputIds) => forward(pixelValues, inputIds, null);

    /// <summary>Mask logits for each image and its prompt, with the tokenizer's attention mask (which changes nothing: the text attention is causal and pools at the end token).</summary>
    /// <param name="pixelValues"><c>[B,3,S,S]</c> normalised pixels, S a multiple of <see cref="PatchSize"/>.</param>
    /// <param name="inputIds"><c>[B,T]</c> CLIP token ids, one row per image.</param>
    /// <param name="attentionMask"><c>[B,T]</c>, 1 on real tokens and 0 on padding; null for none.</param>
    /// <returns><c>float32 [B,S,S]</c> logits on <see cref="Device"/>.</returns>
    public Tensor forward(Tensor pixelValues, Tensor inputIds, Tensor? attentionMask) => Run(pixelValues, inputIds, attentionMask, null);

    /// <summary>The forward pass; with <paramref name="trace"/> every intermediate is also stored under the fixture's names.</summary>
    internal Tensor Run(Tensor pixelValues, Tensor inputIds, Tensor? attentionMask, IDictionary<string, Tensor>? trace)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        ArgumentNullException.ThrowIfNull(inputIds);
        Validate(pixelValues, inputIds, attentionMask);
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        Tensor pixels = pixelValues.to(ScalarType.Float32, Device);
        Tensor ids = inputIds.to(ScalarType.Int64, Device);

        Tensor textPooled = clip.text_model.Forward(ids, attentionMask?.to(Device));
        Tensor conditional = clip.text_projection.call(textPooled);
        // The decoder reads no layer past the deepest extracted one; only a trace (the fixtures' pooled output) needs them all.
        var (embeddings, layers, visionPooled) = clip.vision_model.ForwardHiddenStates(pixels, trace is null ? Config.ExtractLayers.Max() + 1 : -1);
        Tensor[] activations = Config.ExtractLayers.Select(i => layers[i]).ToArray();
        if (trace is not null)
        {
            ClipSegDecoder.Trace(trace, "text_pooler_output", textPooled);
            ClipSegDecoder.Trace(trace, "conditional_embeddings", conditional);
            ClipSegDecoder.Trace(trace, "vision_embeddings", embeddings);
            ClipSegDecoder.Trace(trace, "position_embedding", clip.vision_model.embeddings.PositionEmbedding(pixels.shape[2] / PatchSize));
            for (int i = 0; i < layers.Length; i++)
            {
                ClipSegDecoder.Trace(trace, $"vision_layer_output_{i}", layers[i]);
            }

            ClipSegDecoder.Trace(trace, "vision_pooler_output", visionPooled!);
            ClipSegDecoder.Trace(trace, "pooled_output", clip.visual_projection.call(visionPooled!));
        }

        Tensor logits = decoder.Forward(activations, conditional, trace);
        return logits.MoveToOuterDisposeScope();
    }

    private void Validate(Tensor pixelValues, Tensor inputIds, Tensor? attentionMask)
    {
        long patch = PatchSize;
        if (pixelValues.dim() != 4 || pixelValues.shape[1] != Config.Clip.Vision.NumChannels || pixelValues.shape[2] != pixelValues.shape[3]
            || pixelValues.shape[2] < patch || pixelValues.shape[2] % patch != 0)
        {
            throw new ArgumentException(
                $"expected square pixel values [B,{Config.Clip.Vision.NumChannels},S,S] with S a multiple of {patch}, got [{string.Join(",", pixelValues.shape)}]",
                nameof(pixelValues));
        }

        if (inputIds.dim() != 2 || inputIds.shape[0] != pixelValues.shape[0] || inputIds.shape[1] > Config.Clip.Text.MaxPositionEmbeddings)
        {
            throw new ArgumentException(
                $"expected input ids [{pixelValues.shape[0]},T] (one prompt per image, T <= {Config.Clip.Text.MaxPositionEmbeddings}), got [{string.Join(",", inputIds.shape)}]",
                nameof(inputIds));
        }

        if (attentionMask is not null && !attentionMask.shape.SequenceEqual(inputIds.shape))
        {
            throw new ArgumentException($"the attention mask [{string.Join(",", attentionMask.shape)}] must have the input ids' shape", nameof(attentionMask));
        }
    }
}

internal static partial class ClipSegLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "CLIPSeg weights: {Report}")]
    public static partial void WeightsLoaded(ILogger logger, WeightLoadReport report);
}
