using System.Globalization;
using System.Security.Cryptography;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// <see cref="ITextToImageGenerator"/> over a <see cref="StableDiffusionPipeline"/>: image <c>i</c> of a call with
/// first seed <c>s</c> is the pipeline's picture for seed <c>s + i</c>. Its <see cref="Settings"/> name the model, a
/// SHA-256 over the loaded weights (so a changed checkpoint is noticed even under the same path), the sampler,
/// steps, guidance, size, negative prompt, precision and device type.
/// </summary>
public sealed class StableDiffusionGenerator : ITextToImageGenerator, IDisposable
{
    private readonly StableDiffusionPipeline _pipeline;
    private readonly StableDiffusionGeneratorOptions _options;
    private readonly bool _ownsPipeline;

    /// <summary>Creates the generator.</summary>
    /// <param name="pipeline">The pipeline.</param>
    /// <param name="options">Sampler, steps, guidance, size; X-Paste's when null.</param>
    /// <param name="ownsPipeline">Dispose the pipeline with the generator.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A size is not a positive multiple of 8, or steps are below 1.</exception>
    /// <exception cref="ArgumentException">The size is over the pipeline's <see cref="StableDiffusionPipelineOptions.MaxImageSide"/>.</exception>
    public StableDiffusionGenerator(StableDiffusionPipeline pipeline, StableDiffusionGeneratorOptions? options = null, bool ownsPipeline = false)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _pipeline = pipeline;
        _options = options ?? new StableDiffusionGeneratorOptions();
        _options.Validate();
        _ownsPipeline = ownsPipeline;
        Width = _options.Width ?? pipeline.DefaultSize;
        Height = _options.Height ?? pipeline.DefaultSize;

        // Refused here, before the first batch, rather than by the pipeline mid-run.
        if (Math.Max(Width, Height) > pipeline.Options.MaxImageSide)
        {
            throw new ArgumentException($"width and height must be at most {pipeline.Options.MaxImageSide} (got {Width}x{Height})", nameof(options));
        }

        StableDiffusionModels models = pipeline.Models;
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            // The folder or file name, not the path: the same weights mounted elsewhere (another worker, a moved
            // folder) are the same model; the weights hash tells changed weights apart.
            ["model"] = ModelName(models.ModelId),
            ["weights_sha256"] = WeightsHash(models),
            ["scheduler"] = _options.Scheduler.ToString().ToLowerInvariant(),
            ["steps"] = _options.Steps.ToString(CultureInfo.InvariantCulture),
            ["guidance"] = _options.GuidanceScale.ToString(CultureInfo.InvariantCulture),
            ["width"] = Width.ToString(CultureInfo.InvariantCulture),
            ["height"] = Height.ToString(CultureInfo.InvariantCulture),
            ["negative_prompt"] = _options.NegativePrompt,
            ["dtype"] = models.Unet.conv_in.weight!.dtype.ToString().ToLowerInvariant(),
            ["device"] = models.Device.type.ToString().ToLowerInvariant(),
        };

        // Recorded only when set, so that runs made before these options keep their settings and resume.
        if (_options.TimestepSpacing is { } spacing)
        {
            settings["timestep_spacing"] = spacing;
        }

        if (models.VaeId is { } vae)
        {
            settings["vae"] = ModelName(vae);
        }

        Settings = settings;
    }

    /// <inheritdoc />
    public int Width { get; }

    /// <inheritdoc />
    public int Height { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <inheritdoc />
    public Tensor Generate(string prompt, int count, long firstSeed, CancellationToken cancellationToken = default) =>
        _pipeline.Generate(new TextToImageRequest
        {
            Prompts = [prompt],
            NegativePrompts = _options.NegativePrompt.Length == 0 ? null : [_options.NegativePrompt],
            Count = count,
            GuidanceScale = _options.GuidanceScale,
            Steps = _options.Steps,
            Width = Width,
            Height = Height,
            Scheduler = _options.Scheduler,
            TimestepSpacing = _options.TimestepSpacing,
            Seed = firstSeed,
        }, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsPipeline)
        {
            _pipeline.Dispose();
        }
    }

    private static string ModelName(string modelId) =>
        Directory.Exists(modelId) || File.Exists(modelId) ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelId))) : modelId;

    /// <summary>
    /// SHA-256 (16 hex digits) over every tensor of the text encoder, UNet and VAE as loaded (names, dtypes, shapes and
    /// bytes), whichever files they came from.
    /// </summary>
    private static string WeightsHash(StableDiffusionModels models)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach ((string prefix, nn.Module module) in new (string, nn.Module)[] { ("text_encoder.", models.TextEncoder), ("unet.", models.Unet), ("vae.", models.Vae) })
        {
            foreach ((string name, Tensor tensor) in module.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{prefix}{name} {tensor.dtype} [{string.Join(",", tensor.shape)}]\n"));
                using var scope = NewDisposeScope();
                Tensor cpu = tensor.detach().cpu().contiguous();
                // Tensor.bytes is a Span over the whole tensor; large ones are hashed in rows to stay under 2 GiB.
                if (cpu.numel() * cpu.element_size() < int.MaxValue)
                {
                    hash.AppendData(cpu.bytes);
                }
                else
                {
                    for (long row = 0; row < cpu.shape[0]; row++)
                    {
                        hash.AppendData(cpu[row].contiguous().bytes);
                    }
                }
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
