namespace XPaste.Clip;

/// <summary>Options of <see cref="ClipImageProcessor"/>; the defaults are CLIP's (<c>preprocessor_config.json</c> of the OpenAI models).</summary>
public sealed class ClipImageProcessorOptions
{
    /// <summary>CLIP's per-channel mean (RGB, on [0,1] pixels).</summary>
    public static IReadOnlyList<float> ClipMean { get; } = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>CLIP's per-channel standard deviation (RGB, on [0,1] pixels).</summary>
    public static IReadOnlyList<float> ClipStd { get; } = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>The shared default options.</summary>
    public static ClipImageProcessorOptions Default { get; } = new();

    /// <summary>The shorter side after resizing. Default 224.</summary>
    public int ShortestEdge { get; init; } = 224;

    /// <summary>The side of the square centre crop; at most <see cref="ShortestEdge"/>. Default 224.</summary>
    public int CropSize { get; init; } = 224;

    /// <summary>Per-channel mean subtracted after scaling to [0,1]. Default <see cref="ClipMean"/>.</summary>
    public IReadOnlyList<float> Mean { get; init; } = ClipMean;

    /// <summary>Per-channel standard deviation divided by after the mean. Default <see cref="ClipStd"/>.</summary>
    public IReadOnlyList<float> Std { get; init; } = ClipStd;

    /// <summary>Options for a model's input size: both sizes equal to its <see cref="ClipModel.ImageSize"/>.</summary>
    /// <param name="imageSize">The vision tower's input side.</param>
    /// <returns>The options.</returns>
    public static ClipImageProcessorOptions ForImageSize(int imageSize) => new() { ShortestEdge = imageSize, CropSize = imageSize };

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new ClipImageProcessorOptionsValidator(), this);
}
