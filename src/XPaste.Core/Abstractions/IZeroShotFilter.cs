using static TorchSharp.torch;

namespace XPaste.Abstractions;

/// <summary>
/// Judges whether images show a category (the reference uses CLIP). Scoring and deciding are separate because
/// the reference's rule needs every score of a category before it can decide any of them.
/// </summary>
/// <remarks>
/// Scoring is compute on the model's device, which TorchSharp runs on the calling thread, so it is honestly
/// synchronous, like <see cref="IInstanceExtractor.Extract"/>.
/// </remarks>
public interface IZeroShotFilter
{
    /// <summary>Scores images against one category (for CLIP: logit scale x cosine similarity).</summary>
    /// <param name="images"><c>uint8</c> <c>[3,H,W]</c> RGB images, any sizes, any device.</param>
    /// <param name="category">The category the images should show.</param>
    /// <param name="cancellationToken">Stops the work between batches.</param>
    /// <returns>One score per image, higher meaning a better match.</returns>
    float[] Score(IReadOnlyList<Tensor> images, CategoryInfo category, CancellationToken cancellationToken = default);

    /// <summary>Decides which images of one category to keep, given all of that category's scores.</summary>
    /// <param name="scores">Every score of the category, as returned by <see cref="Score"/>.</param>
    /// <returns>One keep/drop flag per score.</returns>
    bool[] Decide(IReadOnlyList<float> scores);

    /// <summary>
    /// The score below which <see cref="Decide"/> drops an image of a category with these scores, for reports
    /// (<c>clip score 17.30 &lt; 21.00</c>); null when the rule has no single threshold.
    /// </summary>
    /// <param name="scores">Every score of the category.</param>
    /// <returns>The threshold, or null.</returns>
    double? KeepThreshold(IReadOnlyList<float> scores) => null;
}
