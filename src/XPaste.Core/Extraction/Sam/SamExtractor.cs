using XPaste.Abstractions;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// Segment Anything as a refiner of another extractor's masks, as X-Paste's successors use it (DiverGen, Gen2Det):
/// the prompt is the tight box of the largest component of the prompt source's mask (optionally with its centroid as
/// a positive point); SAM gives three masks and the one with the highest predicted IoU is kept, post-processed to the
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
    }

    /// <summary><c>sam</c>.</summary>
    public string Name => "sam";

    /// <summary>The extractor whose masks give the prompts.</summary>
    public IInstanceExtractor PromptSource => _promptSource;

    /// <summary>Loads a SAM model (<see cref="SamModel.FromPretrained"/>, folder or Hub id) with its preprocessor config and wraps it.</summary>
    /// <param name="nameOrPath">A model folder or a Hub repo id such as <c>facebook/sam-vit-base</c>.</param>
    /// <param name="promptSource">The extractor whose masks give the prompts.</param>
    /// <param name="options">Prompting and batching options.</param>
    /// <param name="loadOptions">Device, dtype and Hub settings.</param>
    /// <param name="ownsPromptSource">Dispose <paramref name="promptSource"/> with this extractor.</param>
    /// <param name="cancellationToken">Cancels a download.</param>
    /// <returns>An extractor that owns its model.</returns>
    public static SamExtractor FromPretrained(string nameOrPath, IInstanceExtractor promptSource, SamExtractorOptions? options = null,
        SamLoadOptions? loadOptions = null, bool ownsPromptSource = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promptSource);
        SamModel model = SamModel.FromPretrained(nameOrPath, loadOptions, cancellationToken);
        try
        {
            string folder = model.SourceFolder ?? nameOrPath;
            return new SamExtractor(model, promptSource, SamProcessor.FromFolder(folder), options, ownsModel: true, ownsPromptSource);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    /// <remarks>The categories go to the prompt source (CLIPSeg needs them); SAM itself does not use them.</remarks>
    public IReadOnlyList<Tensor> Extract(IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ExtractionChecks.ValidateImages(images, nameof(images));
        ExtractionChecks.ValidateCategories(images, categories, nameof(categories));
        return ExtractionBatches.Run(images.Count, _options.BatchSize,
            (start, count) => ExtractBatch([.. images.Skip(start).Take(count)], [.. categories.Skip(start).Take(count)], cancellationToken),
            null, cancellationToken);
    }

    private List<Tensor> ExtractBatch(List<Tensor> images, List<CategoryInfo> categories, CancellationToken cancellationToken)
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
        if (_options.UseCentroidPoint)
        {
            points = PromptTensor(prompts.Select((p, i) => ScaledCentroid(p, batch.OriginalSizes[i])), 2).view(-1, 1, 1, 2);
            labels = ones(prompts.Length, 1, 1, ScalarType.Int64, _model.Device);
        }

        Tensor best;
        using (SamOutput output = _model.forward(batch.PixelValues, points, labels, boxes, null, multimaskOutput: true))
        {
            // The mask with the highest predicted IoU among the three, per image: [B,1,1,h,w].
            Tensor index = output.IouScores.argmax(2, keepdim: true);
            long h = output.PredMasks.shape[3], w = output.PredMasks.shape[4];
            best = output.PredMasks.gather(2, index.view(-1, 1, 1, 1, 1).expand(-1, 1, 1, h, w)).clone();
        }

        var masks = new List<Tensor>(images.Count);
        for (int i = 0; i < images.Count; i++)
        {
            Tensor image = images[i];
            Tensor mask = prompts[i].IsEmpty
                ? zeros(image.shape[1], image.shape[2], ScalarType.Byte, image.device)
                : _processor.PostProcessMasks(best[i].view(1, 1, best.shape[3], best.shape[4]), batch.OriginalSizes[i], batch.ReshapedInputSizes[i], true, _options.MaskThreshold)
                    .view(image.shape[1], image.shape[2]).to(ScalarType.Byte).mul(255).to(image.device);
            masks.Add(mask.MoveToOuterDisposeScope());
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

    private double[] ScaledCentroid(SamPrompt prompt, (int Height, int Width) size)
    {
        var p = _processor.ScalePoint(prompt.CentroidX, prompt.CentroidY, size);
        return [p.X, p.Y];
    }

    /// <inheritdoc />
    public void Dispose()
    {
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
