using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace XPaste.Generation;

public sealed partial class StableDiffusionPipeline
{
    private (int Width, int Height) Validate(TextToImageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Prompts is null || request.Prompts.Count == 0)
        {
            throw new InvalidInputException("prompts", "at least one prompt is needed");
        }

        if (request.Prompts.Any(p => p is null))
        {
            throw new InvalidInputException("prompts", "a prompt is null");
        }

        if (request.NegativePrompts is { } negatives
            && ((negatives.Count != 1 && negatives.Count != request.Prompts.Count) || negatives.Any(p => p is null)))
        {
            throw new InvalidInputException("negative prompts", $"give one negative prompt, or one per prompt ({request.Prompts.Count}), not {negatives.Count}");
        }

        if (request.Count < 1)
        {
            throw new InvalidInputException("count", $"{request.Count} is not a positive number of images");
        }

        if (request.Steps < 1 || request.Steps > 1000)
        {
            throw new InvalidInputException("steps", $"{request.Steps} is not between 1 and 1000");
        }

        if (!double.IsFinite(request.GuidanceScale))
        {
            throw new InvalidInputException("guidance", $"{request.GuidanceScale} is not a finite number");
        }

        if (request.Seed is < 0)
        {
            throw new InvalidInputException("seed", $"{request.Seed} is negative");
        }

        if (request.Seed is { } seed && seed > long.MaxValue - (request.ImageCount - 1))
        {
            throw new InvalidInputException("seed", $"{seed} is too large for {request.ImageCount} images (image i uses seed + i)");
        }

        int width = request.Width ?? DefaultSize;
        int height = request.Height ?? DefaultSize;
        CheckSide("width", width);
        CheckSide("height", height);
        return (width, height);
    }

    private void CheckSide(string name, int value)
    {
        if (value < VaeScaleFactor || value % VaeScaleFactor != 0)
        {
            throw new InvalidInputException(name, $"{value} is not a positive multiple of {VaeScaleFactor}");
        }

        if (value > Options.MaxImageSide)
        {
            throw new InvalidInputException(name, $"{value} is over the largest side allowed, {Options.MaxImageSide} pixels (StableDiffusionPipelineOptions.MaxImageSide)");
        }
    }

    private static Tensor CheckLatents(Tensor latents, int images, long[] one)
    {
        long[] expected = [images, .. one[1..]];
        if (!latents.shape.SequenceEqual(expected))
        {
            throw new InvalidInputException("initial latents", $"shape [{string.Join(",", latents.shape)}] does not fit the request: [{string.Join(",", expected)}] expected");
        }

        return latents;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Generating {Images} image(s) of {Width}x{Height} with {Scheduler}, {Steps} steps, guidance {Guidance}, seed {Seed}")]
        public static partial void Generating(ILogger logger, int images, int width, int height, string scheduler, int steps, double guidance, long seed);
    }
}

/// <summary>Intermediate tensors of one generation, kept for the exactness tests (CPU copies).</summary>
internal sealed class GenerationTrace : IDisposable
{
    public List<Tensor> PromptEmbeds { get; } = [];

    public List<Tensor> UnetOutputs { get; } = [];

    public List<Tensor> Latents { get; } = [];

    public List<Tensor> Denoised { get; } = [];

    public List<Tensor> GuidanceEmbedding { get; } = [];

    public List<Tensor> Image { get; } = [];

    public void Keep(string list, Tensor t)
    {
        List<Tensor> target = list switch
        {
            nameof(PromptEmbeds) => PromptEmbeds,
            nameof(UnetOutputs) => UnetOutputs,
            nameof(Latents) => Latents,
            nameof(Denoised) => Denoised,
            nameof(GuidanceEmbedding) => GuidanceEmbedding,
            _ => Image,
        };
        target.Add(t.to(ScalarType.Float32, CPU, copy: true).DetachFromDisposeScope());
    }

    public void Dispose()
    {
        foreach (Tensor t in PromptEmbeds.Concat(UnetOutputs).Concat(Latents).Concat(Denoised).Concat(GuidanceEmbedding).Concat(Image))
        {
            t.Dispose();
        }
    }
}
