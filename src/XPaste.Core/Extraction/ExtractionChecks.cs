using XPaste.Abstractions;
using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>Argument checks shared by the extractors.</summary>
internal static class ExtractionChecks
{
    /// <summary>Every image must be <c>uint8</c> <c>[3,H,W]</c> or <c>[4,H,W]</c> (alpha ignored), non-empty.</summary>
    public static void ValidateImages(IReadOnlyList<Tensor> images, string parameter)
    {
        for (int i = 0; i < images.Count; i++)
        {
            Tensor image = images[i] ?? throw new ArgumentNullException(parameter, $"image {i} is null");
            if (image.dtype != ScalarType.Byte || image.dim() != 3 || image.shape[0] is not (3 or 4) || image.shape[1] == 0 || image.shape[2] == 0)
            {
                throw new ArgumentException(
                    $"image {i}: expected a uint8 [3,H,W] (or [4,H,W]) image, got {image.dtype} [{string.Join(",", image.shape)}]", parameter);
            }
        }
    }

    /// <summary>There must be one non-null category per image.</summary>
    public static void ValidateCategories(IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories, string parameter)
    {
        ArgumentNullException.ThrowIfNull(categories, parameter);
        if (categories.Count != images.Count || categories.Any(c => c is null))
        {
            throw new ArgumentException($"give one category per image ({images.Count} images, {categories.Count} categories)", parameter);
        }
    }
}
