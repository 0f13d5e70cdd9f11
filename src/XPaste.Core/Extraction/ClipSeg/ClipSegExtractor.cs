using XPaste.Abstractions;
using XPaste.Clip;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// Segments the object a category names with CLIPSeg, as X-Paste's CLIPSeg segmenter does: the prompt
/// <c>a photo of {name}</c>, the image in 0..1 normalised with the ImageNet mean/std and resized bilinearly to
/// 352x352, the logits' sigmoid resized bilinearly back to the image's size, times 255 truncated to a <c>uint8</c>
/// mask. Batches run on the model's device.
/// </summary>
/// <remarks>
/// Unlike a salient-object model it uses the categories <see cref="Extract"/> is given: each image is prompted with
/// its own category's name.
/// X-Paste refines the probability map with a matting network (MatteFormer), which this port skips; the map is
/// used as it is (no min-max stretch, which would inflate a weak mask).
/// </remarks>
public sealed class ClipSegExtractor : IInstanceExtractor, IDisposable
{
    private readonly ClipSegModel _model;
    private readonly ClipTokenizer _tokenizer;
    private readonly bool _ownsModel;
    private readonly ClipSegExtractorOptions _options;

    /// <summary>Wraps a loaded model and its tokenizer.</summary>
    /// <param name="model">The network, on the device to run on.</param>
    /// <param name="tokenizer">CLIP's tokenizer (the model folder's <c>vocab.json</c> and <c>merges.txt</c>).</param>
    /// <param name="options">Prompt, pre- and post-processing; <see cref="ClipSegExtractorOptions.Default"/> when null.</param>
    /// <param name="ownsModel">Dispose <paramref name="model"/> with this extractor.</param>
    public ClipSegExtractor(ClipSegModel model, ClipTokenizer tokenizer, ClipSegExtractorOptions? options = null, bool ownsModel = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        _options = options ?? ClipSegExtractorOptions.Default;
        OptionsValidation.ThrowIfInvalid(new ClipSegExtractorOptionsValidator(), _options);
        if (_options.InputSize % model.PatchSize != 0)
        {
            throw new ArgumentException($"the input size {_options.InputSize} is not a multiple of the model's patch size {model.PatchSize}", nameof(options));
        }

        _model = model;
        _tokenizer = tokenizer;
        _ownsModel = ownsModel;
    }

    /// <summary><c>clipseg</c>.</summary>
    public string Name => "clipseg";

    /// <summary>Loads a Hugging Face CLIPSeg model (<see cref="ClipSegModel.FromPretrained"/> plus its <c>vocab.json</c> and <c>merges.txt</c>) and wraps it.</summary>
    /// <param name="nameOrPath">The model folder, or a Hub repo id: CIDAS/clipseg-rd64 (X-Paste's weights) or CIDAS/clipseg-rd64-refined.</param>
    /// <param name="options">Prompt, pre- and post-processing options, and in <see cref="ClipSegExtractorOptions.Model"/> how the model loads.</param>
    /// <param name="cancellationToken">Cancels a Hub download; what arrived is resumed next time.</param>
    /// <returns>An extractor that owns its model.</returns>
    /// <exception cref="InvalidInputException">A file is missing or invalid.</exception>
    public static ClipSegExtractor FromPretrained(string nameOrPath, ClipSegExtractorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= ClipSegExtractorOptions.Default;
        OptionsValidation.ThrowIfInvalid(new ClipSegExtractorOptionsValidator(), options);
        string folder = ClipHub.Resolve(nameOrPath, options.Model, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        ClipSegModel model = ClipSegModel.LoadFolder(folder, options.Model);
        try
        {
            return new ClipSegExtractor(model, ClipTokenizer.FromFolder(folder), options, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The prompt for a category (the template with its name).</summary>
    /// <param name="category">The category.</param>
    /// <returns>The text given to the tokenizer.</returns>
    public string Prompt(CategoryInfo category)
    {
        ArgumentNullException.ThrowIfNull(category);
        return _options.PromptTemplate.Replace("{name}", category.PromptName, StringComparison.Ordinal);
    }

    /// <inheritdoc />
    public IReadOnlyList<Tensor> Extract(IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ExtractionChecks.ValidateImages(images, nameof(images));
        ExtractionChecks.ValidateCategories(images, categories, nameof(categories));
        return ExtractionBatches.Run(images.Count, _options.BatchSize,
            (start, count) => ExtractBatch([.. images.Skip(start).Take(count)], [.. categories.Skip(start).Take(count)]), null, cancellationToken);
    }

    /// <summary>The model's input for uint8 images: <c>[N,3,S,S]</c> on the model's device, normalised then resized.</summary>
    internal Tensor Preprocess(IReadOnlyList<Tensor> images)
    {
        using var scope = NewDisposeScope();
        long size = _options.InputSize;
        Device device = _model.Device;
        Tensor mean = tensor(_options.Mean.ToArray(), device: device).view(1, 3, 1, 1);
        Tensor std = tensor(_options.Std.ToArray(), device: device).view(1, 3, 1, 1);
        var resized = new Tensor[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            Tensor rgb = images[i].narrow(0, 0, 3).to(device).to(ScalarType.Float32).div_(255f).unsqueeze(0);
            // X-Paste normalises at full size, then resizes the float image.
            resized[i] = nn.functional.interpolate(rgb.sub_(mean).div_(std), new[] { size, size }, mode: InterpolationMode.Bilinear, align_corners: false);
        }

        return cat(resized, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Token ids for each image's prompt, <c>[N,77]</c>, cut to the context length as the reference tokenizer does.</summary>
    internal Tensor Tokenize(IReadOnlyList<CategoryInfo> categories) =>
        _tokenizer.Tokenize(categories.Select(Prompt).ToArray(), _model.Config.Clip.Text.MaxPositionEmbeddings, truncate: true);

    private List<Tensor> ExtractBatch(List<Tensor> images, List<CategoryInfo> categories)
    {
        using var scope = NewDisposeScope();
        Tensor probabilities;
        using (inference_mode())
        {
            Tensor logits = _model.forward(Preprocess(images), Tokenize(categories));
            // Cloned so that callers may modify what comes out of inference mode.
            probabilities = logits.sigmoid().unsqueeze(1).clone();
        }

        var masks = new List<Tensor>(images.Count);
        for (int i = 0; i < images.Count; i++)
        {
            Tensor image = images[i];
            long h = image.shape[1], w = image.shape[2];
            // X-Paste resizes the probabilities (not the logits) back to the image.
            Tensor p = nn.functional.interpolate(probabilities.narrow(0, i, 1), new[] { h, w }, mode: InterpolationMode.Bilinear, align_corners: false)
                .view(h, w);
            // The reference scales by 255 and truncates (astype uint8).
            Tensor mask = p.mul(255f).clamp(0f, 255f).to(ScalarType.Byte).to(image.device);
            masks.Add(mask.MoveToOuterDisposeScope());
        }

        return masks;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }
}
