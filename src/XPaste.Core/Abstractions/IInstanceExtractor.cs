using static TorchSharp.torch;

namespace XPaste.Abstractions;

/// <summary>
/// A foreground segmenter: finds the single object in each image and returns its soft mask at full resolution
/// (the reference's U^2-Net, CLIPSeg and similar; or a weight-free background model).
/// </summary>
public interface IInstanceExtractor
{
    /// <summary>A short name recorded in the instance bank (e.g. <c>u2net</c>, <c>plain</c>).</summary>
    string Name { get; }

    /// <summary>Segments a batch of images.</summary>
    /// <param name="images"><c>uint8</c> <c>[3,H,W]</c> RGB images (sizes may differ), on any device.</param>
    /// <param name="cancellationToken">Stops the work between batches.</param>
    /// <returns>
    /// For each image a <c>uint8</c> <c>[H,W]</c> mask, 0-255, same size and device as the image. The caller owns and
    /// disposes them; implementations return them outside any dispose scope, since async results may cross threads
    /// and TorchSharp's dispose scopes are per thread.
    /// </returns>
    Task<IReadOnlyList<Tensor>> ExtractAsync(IReadOnlyList<Tensor> images, CancellationToken cancellationToken = default);

    /// <summary>Segments a batch of images, each known to show a given category.</summary>
    /// <remarks>
    /// Text-prompted segmenters (CLIPSeg) need to know what to look for; salient-object ones (U^2-Net, the
    /// weight-free model) do not. This overload carries the category, and its default implementation ignores it and
    /// calls <see cref="ExtractAsync(IReadOnlyList{Tensor}, CancellationToken)"/>, so extractors that do not need the
    /// category implement only that method and callers that have no categories keep calling it; callers that know the
    /// categories (<c>InstanceSelector</c>, the bank extraction stage) call this one, and it reaches every extractor
    /// the same way. A category-aware extractor overrides it.
    /// </remarks>
    /// <param name="images"><c>uint8</c> <c>[3,H,W]</c> RGB images (sizes may differ), on any device.</param>
    /// <param name="categories">The category each image should show, one per image.</param>
    /// <param name="cancellationToken">Stops the work between batches.</param>
    /// <returns>As <see cref="ExtractAsync(IReadOnlyList{Tensor}, CancellationToken)"/>: one <c>uint8</c> <c>[H,W]</c> mask per image, owned by the caller.</returns>
    Task<IReadOnlyList<Tensor>> ExtractAsync(IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories, CancellationToken cancellationToken = default)
        => ExtractAsync(images, cancellationToken);
}
