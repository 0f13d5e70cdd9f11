using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// Makes images from a text prompt with per-image seeds, as the offline stage needs it: image <c>i</c> of a call with
/// first seed <c>s</c> is the picture of seed <c>s + i</c>, whatever the batch. Implemented over
/// <c>StableDiffusionPipeline</c> by <c>StableDiffusionGenerator</c>; tests use small fakes.
/// </summary>
public interface ITextToImageGenerator
{
    /// <summary>The width of the images, in pixels.</summary>
    int Width { get; }

    /// <summary>The height of the images, in pixels.</summary>
    int Height { get; }

    /// <summary>
    /// Every setting that changes the pixels for a given prompt and seed (model id and weights hash, scheduler, steps,
    /// guidance, size, negative prompt, precision...), as name-value pairs. Recorded with each image, and compared
    /// when a run resumes so outputs of different settings never mix.
    /// </summary>
    IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>Makes <paramref name="count"/> images of <paramref name="prompt"/>.</summary>
    /// <param name="prompt">The prompt.</param>
    /// <param name="count">How many images.</param>
    /// <param name="firstSeed">The seed of the first image; image <c>i</c> uses <c>firstSeed + i</c>.</param>
    /// <param name="cancellationToken">Stops between denoising steps.</param>
    /// <returns><c>uint8</c> <c>[count,3,H,W]</c> RGB images, owned by the caller.</returns>
    Tensor Generate(string prompt, int count, long firstSeed, CancellationToken cancellationToken = default);
}
