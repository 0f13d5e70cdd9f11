using static TorchSharp.torch;

namespace XPaste.Abstractions;

/// <summary>
/// A foreground segmenter: finds the single object in each image and returns its soft mask at full resolution
/// (the reference's U^2-Net, CLIPSeg and similar; SAM as a refiner; or a weight-free background model).
/// </summary>
/// <remarks>
/// <para>
/// The category of every image is always passed: text-prompted segmenters (CLIPSeg) need it, salient-object ones
/// (U^2-Net, the weight-free model) ignore it. There is no category-less overload, so every extractor honours the
/// whole contract.
/// </para>
/// <para>
/// Extraction is compute on the model's device, and TorchSharp runs it on the calling thread, so the contract is
/// honestly synchronous: <see cref="Extract"/> returns when the masks exist. Callers that want the work off their
/// thread (a UI, a pipeline that overlaps reading with compute) run it on a worker of their own; XPaste's offline
/// pipeline does. Cancellation is checked between batches.
/// </para>
/// </remarks>
public interface IInstanceExtractor
{
    /// <summary>A short name recorded in the instance bank (e.g. <c>u2net</c>, <c>plain</c>).</summary>
    string Name { get; }

    /// <summary>Segments a batch of images, each known to show a given category.</summary>
    /// <param name="images"><c>uint8</c> <c>[3,H,W]</c> RGB images (sizes may differ), on any device.</param>
    /// <param name="categories">The category each image should show, one per image.</param>
    /// <param name="cancellationToken">Stops the work between batches.</param>
    /// <returns>
    /// For each image a <c>uint8</c> <c>[H,W]</c> mask, 0-255, same size and device as the image. The caller owns and
    /// disposes them; implementations return them outside any dispose scope, since results may cross threads and
    /// TorchSharp's dispose scopes are per thread.
    /// </returns>
    IReadOnlyList<Tensor> Extract(IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories, CancellationToken cancellationToken = default);
}
