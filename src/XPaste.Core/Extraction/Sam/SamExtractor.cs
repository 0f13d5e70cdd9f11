using XPaste.Abstractions;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// Segment Anything as a refiner of another extractor's masks, as X-Paste's successors use it (DiverGen, Gen2Det):
/// the prompt is the tight box of the largest component of the prompt source's mask (optionally with its centroid as
/// a positive point); SAM gives three masks and the one with the highest predicted IoU is kept (or all three, as the
/// <see cref="Candidates"/>, with <see cref="SamMaskChoice.All"/>), post-processed to the
/// image's size and binarised at logit 0 into a 0/255 <c>uint8</c> mask.
/// </summary>
/// <remarks>
/// The prompt source is any <see cref="IInstanceExtractor"/> (U^2-Net, CLIPSeg's heatmap, the weight-free model).
/// An image whose prompt mask is empty gets an empty mask. Images are batched through the image encoder; everything
/// runs on the model's device (CPU or CUDA; see <see cref="SamLoadOptions.DType"/> for fp16).
/// </remarks>
public sealed class SamExtractor : IInstanceExtractor, IDisposable
{
    private readonly SamModel _model;
    private readonly IInstanceExtractor _promptSource;
    private readonly SamProcessor _processor;
    private readonly SamExtractorOptions _options;
    private readonly bool _ownsModel;
    private readonly bool _ownsPromptSource;
    private readonly IInstanceExtractor[] _candidates;
    private readonly SamOutputCache? _cache;
    private bool _disposed;

    /// <summary>Wraps a loaded model and a prompt source.</summary>
    /// <param name="model">The SAM model, on the device to run on.</param>
    /// <param name="promptSource">The extractor whose masks give the prompts.</param>
    /// <param name="processor">The model's preprocessing (<see cref="SamProcessor.FromFolder"/>); the published settings when null.</param>
    /// <param name="options">Prompting and batching; <see cref="SamExtractorOptions.Default"/> when null.</param>
    /// <param name="ownsModel">Dispose <paramref name="model"/> with this extractor.</param>
    /// <param name="ownsPromptSource">Dispose <paramref name="promptSource"/> (when disposable) with this extractor.</param>
    public SamExtractor(SamModel model, IInstanceExtractor promptSource, SamProcessor? processor = null, SamExtractorOptions? options = null,
        bool ownsModel = false, bool ownsPromptSource = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(promptSource);
        _options = options ?? SamExtractorOptions.Default;
        _options.Validate();
        _processor = processor ?? new SamProcessor();
        if (_processor.Options.PadHeight != model.Config.Vision.ImageSize || _processor.Options.PadWidth != model.Config.Vision.ImageSize)
        {
            throw new ArgumentException($"the processor pads to {_processor.Options.PadHeight}x{_processor.Options.PadWidth} but the model takes {model.Config.Vision.ImageSize}", nameof(processor));
        }

        _model = model;
        _promptSource = promptSource;
        _ownsModel = ownsModel;
        _ownsPromptSource = ownsPromptSource;
        if (_options.MaskChoice == SamMaskChoice.All)
        {
            _cache = new SamOutputCache(this);
            _candidates = [.. Enumerable.Range(0, 3).Select(k => new SamMultimaskCandidate(_cache, k))];
        }
        else
        {
            _candidates = [this];
        }
    }

    /// <summary><c>sam</c>.</summary>
    public string Name => "sam";

    /// <summary>The extractor whose masks give the prompts.</summary>
    public IInstanceExtractor PromptSource => _promptSource;

    /// <summary>Loads a SAM model (<see cref="SamModel.FromPretrained"/>, folder or Hub id) with its preprocessor config and wraps it.</summary>
    /// <param name="nameOrPath">A model folder or a Hub repo id such as <c>facebook/sam-vit-base</c>.</param>
    /// <param name="promptSource">The extractor whose masks give the prompts: a required collaborator, not a setting. It stays
    /// the caller's to dispose (the constructor's <c>ownsPromptSource</c> hands it over).</param>
    /// <param name="options">Prompting and batching options, and in <see cref="SamExtractorOptions.Model"/> how the model loads
    /// (device, dtype, Hub settings).</param>
    /// <param name="cancellationToken">Cancels a download.</param>
    /// <returns>An extractor that owns its model.</returns>
    public static SamExtractor FromPretrained(string nameOrPath, IInstanceExtractor promptSource, SamExtractorOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promptSource);
        options ??= SamExtractorOptions.Default;
        options.Validate();
        SamModel model = SamModel.FromPretrained(nameOrPath, options.Model, cancellationToken);
        try
        {
            string folder = model.SourceFolder ?? nameOrPath;
            return new SamExtractor(model, promptSource, SamProcessor.FromFolder(folder), options, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The extractors to hand the pipeline: this one under <see cref="SamMaskChoice.HighestIou"/>; under
    /// <see cref="SamMaskChoice.All"/>, three named <c>sam-0</c>, <c>sam-1</c>, <c>sam-2</c> (the multimask outputs in
    /// transformers' order) that share this extractor's model and one cache of the latest call, so the prompt source,
    /// the image encoder and the decoder run once per image for all three. They are not disposable: dispose this
    /// extractor when done with them.
    /// </summary>
    public IReadOnlyList<IInstanceExtractor> Candidates => _candidates;

    /// <inheritdoc />
    /// <remarks>
    /// The categories go to the prompt source (CLIPSeg needs them); SAM itself does not use them. Always the mask
    /// with the highest predicted IoU, whatever <see cref="SamExtractorOptions.MaskChoice"/> (which shapes <see cref="Candidates"/>).
    /// </remarks>
    public IReadOnlyList<Tensor> Extract(IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories, CancellationToken cancellationToken = default) =>
        ExtractOutputs(images, categories, allOutputs: false, cancellationToken)[0];

    /// <summary>
    /// The masks of every image: one list (the highest-IoU mask) or, with <paramref name="allOutputs"/>, three (the
    /// multimask outputs 0, 1, 2), each with one mask per image, all owned by the caller.
    /// </summary>
    internal IReadOnlyList<Tensor>[] ExtractOutputs(IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories, bool allOutputs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        ExtractionChecks.ValidateImages(images, nameof(images));
        ExtractionChecks.ValidateCategories(images, categories, nameof(categories));
        int outputs = allOutputs ? 3 : 1;
        // Image-major: the outputs of image i are at [i * outputs, (i + 1) * outputs).
        IReadOnlyList<Tensor> all = ExtractionBatches.Run(images.Count, _options.BatchSize,
            (start, count) => ExtractBatch([.. images.Skip(start).Take(count)], [.. categories.Skip(start).Take(count)], outputs, cancellationToken),
            null, cancellationToken);
        return [.. Enumerable.Range(0, outputs).Select(k => (IReadOnlyList<Tensor>)[.. Enumerable.Range(0, images.Count).Select(i => all[(i * outputs) + k])])];
    }

    private List<Tensor> ExtractBatch(List<Tensor> images, List<CategoryInfo> categories, int outputs, CancellationToken cancellationToken)
    {
        IReadOnlyList<Tensor> promptMasks = _promptSource.Extract(images, categories, cancellationToken);
        SamPrompt[] prompts;
        try
        {
            prompts = [.. promptMasks.Select(m => SamPrompt.FromMask(m, (byte)_options.PromptThreshold))];
        }
        finally
        {
            foreach (Tensor m in promptMasks)
            {
                m.Dispose();
            }
        }

        using var scope = NewDisposeScope();
        using SamImageBatch batch = _processor.Preprocess(images, _model.Device);
        Tensor boxes = PromptTensor(prompts.Select((p, i) => ScaledBox(p, batch.OriginalSizes[i])), 4).view(-1, 1, 4);
        Tensor? points = null, labels = null;
        int pointCount = (_options.UseCentroidPoint ? 1 : 0) + (_options.UsePeakPoint ? 1 : 0);
        if (pointCount > 0)
        {
            points = PromptTensor(prompts.Select((p, i) => ScaledPoints(p, batch.OriginalSizes[i])), 2).view(-1, 1, pointCount, 2);
            labels = ones(prompts.Length, 1, pointCount, ScalarType.Int64, _model.Device);
        }

        Tensor chosen;
        using (SamOutput output = _model.forward(batch.PixelValues, points, labels, boxes, null, multimaskOutput: true))
        {
            long h = output.PredMasks.shape[3], w = output.PredMasks.shape[4];
            if (outputs == 1)
            {
                // The mask with the highest predicted IoU among the three, per image: [B,1,h,w].
                Tensor index = output.IouScores.argmax(2, keepdim: true);
                chosen = output.PredMasks.gather(2, index.view(-1, 1, 1, 1, 1).expand(-1, 1, 1, h, w)).view(-1, 1, h, w);
            }
            else
            {
                chosen = output.PredMasks.view(-1, 3, h, w).clone();
            }
        }

        var masks = new List<Tensor>(images.Count * outputs);
        for (int i = 0; i < images.Count; i++)
        {
            Tensor image = images[i];
            long height = image.shape[1], width = image.shape[2];
            Tensor refined = prompts[i].IsEmpty
                ? zeros(outputs, height, width, ScalarType.Byte, image.device)
                : _processor.PostProcessMasks(chosen[i].unsqueeze(0), batch.OriginalSizes[i], batch.ReshapedInputSizes[i], true, _options.MaskThreshold)
                    .view(outputs, height, width).to(ScalarType.Byte).mul(255).to(image.device);
            for (int k = 0; k < outputs; k++)
            {
                masks.Add(refined[k].clone().MoveToOuterDisposeScope());
            }
        }

        return masks;
    }

    private Tensor PromptTensor(IEnumerable<double[]> rows, int width)
    {
        float[] values = [.. rows.SelectMany(r => r.Select(v => (float)v))];
        return tensor(values, ScalarType.Float32, _model.Device).view(-1, width);
    }

    private double[] ScaledBox(SamPrompt prompt, (int Height, int Width) size)
    {
        var b = _processor.ScaleBox((prompt.X1, prompt.Y1, prompt.X2, prompt.Y2), size);
        return [b.X1, b.Y1, b.X2, b.Y2];
    }

    /// <summary>The centroid and/or the peak, as the options ask, scaled to the resized frame.</summary>
    private double[] ScaledPoints(SamPrompt prompt, (int Height, int Width) size)
    {
        var values = new List<double>(4);
        if (_options.UseCentroidPoint)
        {
            var c = _processor.ScalePoint(prompt.CentroidX, prompt.CentroidY, size);
            values.Add(c.X);
            values.Add(c.Y);
        }

        if (_options.UsePeakPoint)
        {
            var p = _processor.ScalePoint(prompt.PeakX, prompt.PeakY, size);
            values.Add(p.X);
            values.Add(p.Y);
        }

        return [.. values];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Idempotent: the CLI may hold this extractor both as a candidate and as the owner of its candidates.
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _cache?.Dispose();
        if (_ownsModel)
        {
            _model.Dispose();
        }

        if (_ownsPromptSource && _promptSource is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}
