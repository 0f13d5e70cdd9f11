namespace XPaste.Extraction;

/// <summary>Options for <see cref="ClipSegExtractor"/>. The defaults reproduce X-Paste's CLIPSeg segmenter (without its matting step).</summary>
public sealed class ClipSegExtractorOptions
{
    /// <summary>The shared default options.</summary>
    public static ClipSegExtractorOptions Default { get; } = new();

    /// <summary>
    /// The prompt for each image; <c>{name}</c> becomes the category's <see cref="Abstractions.CategoryInfo.PromptName"/>
    /// (underscores as spaces). Default <c>a photo of {name}</c> (X-Paste). Prompts longer than CLIP's 77 tokens are
    /// cut, keeping the end token last.
    /// </summary>
    public string PromptTemplate { get; init; } = "a photo of {name}";

    /// <summary>
    /// The square side every image is resized to (bilinear, <c>align_corners=false</c>, no antialiasing, on the
    /// normalised float image as X-Paste does; not the Hugging Face processor's PIL resize). Must be a multiple of the
    /// model's patch size. Default 352.
    /// </summary>
    public int InputSize { get; init; } = 352;

    /// <summary>Per-channel mean subtracted from pixels in 0..1. Default ImageNet's (0.485, 0.456, 0.406), as X-Paste and the published processor.</summary>
    public IReadOnlyList<float> Mean { get; init; } = [0.485f, 0.456f, 0.406f];

    /// <summary>Per-channel standard deviation pixels are divided by. Default ImageNet's (0.229, 0.224, 0.225).</summary>
    public IReadOnlyList<float> Std { get; init; } = [0.229f, 0.224f, 0.225f];

    /// <summary>Images per forward pass on the model's device. Default 8 (X-Paste uses 5).</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>How <see cref="ClipSegExtractor.FromPretrained"/> loads the model (device, Hub settings, logger). Default <see cref="ClipSegModelOptions.Default"/>.</summary>
    public ClipSegModelOptions Model { get; init; } = ClipSegModelOptions.Default;
}
