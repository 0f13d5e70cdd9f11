using XPaste.Abstractions;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>
/// Segments the salient object of each image with U^2-Net the way X-Paste does: ImageNet normalisation, a bilinear
/// resize to 256x256, side output <c>d1</c>, a bilinear resize back to the image's size, min-max renormalisation,
/// and truncation to a 0-255 <c>uint8</c> mask. Batches run on the model's device.
/// </summary>
public sealed class U2NetExtractor : IInstanceExtractor, IDisposable
{
    private static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    private readonly U2Net _model;
    private readonly bool _ownsModel;
    private readonly U2NetExtractorOptions _options;
    private readonly Device _device;

    /// <summary>Wraps a loaded model.</summary>
    /// <param name="model">The network, in evaluation mode, on the device to run on.</param>
    /// <param name="options">Pre- and post-processing; <see cref="U2NetExtractorOptions.Default"/> when null.</param>
    /// <param name="ownsModel">Dispose <paramref name="model"/> with this extractor.</param>
    public U2NetExtractor(U2Net model, U2NetExtractorOptions? options = null, bool ownsModel = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? U2NetExtractorOptions.Default;
        OptionsValidation.ThrowIfInvalid(new U2NetExtractorOptionsValidator(), _options);
        _model = model;
        _ownsModel = ownsModel;
        _device = model.parameters().First().device;
        Name = model.IsSmall ? "u2netp" : "u2net";
    }

    /// <summary><c>u2net</c> for the full model, <c>u2netp</c> for the small one.</summary>
    public string Name { get; }

    /// <summary>Test hook: called after each batch with the number of images segmented so far.</summary>
    internal Action<int>? BatchCompleted { get; set; }

    /// <summary>Loads a checkpoint (<see cref="U2Net.FromPretrained"/>: its size read from the file) and wraps it.</summary>
    /// <param name="nameOrPath">The <c>.pth</c> or <c>.safetensors</c> checkpoint, or a Hub repo id holding one.</param>
    /// <param name="options">Pre- and post-processing options, and in <see cref="U2NetExtractorOptions.Model"/> how the model loads.</param>
    /// <param name="cancellationToken">Cancels a Hub download; what arrived is resumed next time.</param>
    /// <returns>An extractor that owns its model.</returns>
    public static U2NetExtractor FromPretrained(string nameOrPath, U2NetExtractorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= U2NetExtractorOptions.Default;
        OptionsValidation.ThrowIfInvalid(new U2NetExtractorOptionsValidator(), options);
        U2Net model = U2Net.FromPretrained(nameOrPath, options.Model, cancellationToken);
        try
        {
            return new U2NetExtractor(model, options, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    /// <remarks>A salient-object model: the categories are checked (one per image) but do not change the masks.</remarks>
    public IReadOnlyList<Tensor> Extract(IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ExtractionChecks.ValidateImages(images, nameof(images));
        ExtractionChecks.ValidateCategories(images, categories, nameof(categories));
        return ExtractionBatches.Run(images.Count, _options.BatchSize,
            (start, count) => ExtractBatch([.. images.Skip(start).Take(count)]), BatchCompleted, cancellationToken);
    }

    /// <summary>Turns uint8 images into the network's normalised <c>[N,3,S,S]</c> input on the model's device.</summary>
    internal Tensor Preprocess(IReadOnlyList<Tensor> images)
    {
        using var scope = NewDisposeScope();
        long size = _options.InputSize;
        var resized = new Tensor[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            Tensor rgb = images[i].narrow(0, 0, 3).to(_device).to(ScalarType.Float32).div_(255f).unsqueeze(0);
            // Normalisation is per-channel affine, so resizing first gives the reference's values at less cost.
            Tensor small = nn.functional.interpolate(rgb, new[] { size, size }, mode: InterpolationMode.Bilinear, align_corners: false);
            if (_options.DivideByMax)
            {
                small = small.div(small.max().clamp_min(1e-12f));
            }

            resized[i] = small;
        }

        Tensor batch = cat(resized, 0);
        Tensor mean = tensor(ImageNetMean, device: _device).view(1, 3, 1, 1);
        Tensor std = tensor(ImageNetStd, device: _device).view(1, 3, 1, 1);
        return batch.sub(mean).div_(std).MoveToOuterDisposeScope();
    }

    private List<Tensor> ExtractBatch(List<Tensor> images)
    {
        using var scope = NewDisposeScope();
        Tensor prediction;
        using (inference_mode())
        {
            Tensor input = Preprocess(images);
            Tensor[] sides = _model.call(input);
            // Cloned so that callers may modify what comes out of inference mode.
            prediction = sides[_options.SideOutput].narrow(1, 0, 1).clone();
        }

        var masks = new List<Tensor>(images.Count);
        for (int i = 0; i < images.Count; i++)
        {
            Tensor image = images[i];
            long h = image.shape[1], w = image.shape[2];
            Tensor p = nn.functional.interpolate(prediction.narrow(0, i, 1), new[] { h, w }, mode: InterpolationMode.Bilinear, align_corners: false)
                .view(h, w);
            if (_options.Renormalize)
            {
                Tensor min = p.min();
                Tensor range = p.max().sub(min).clamp_min(1e-12f);
                p = p.sub(min).div(range);
            }

            // The reference scales by 255 and truncates (numpy astype('uint8')).
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
