namespace XPaste.Augment;

/// <summary>
/// One draw of <see cref="LargeScaleJitter"/>: resize the source to <c>ScaledWidth x ScaledHeight</c>, take the
/// <c>OutputWidth x OutputHeight</c> window at <c>(CropX, CropY)</c> (what the scaled image lacks is padded on the right and
/// bottom), and mirror the kept pixels if <c>Flip</c>.
/// </summary>
/// <param name="SourceWidth">Width of the image the plan was drawn for (checked when applied).</param>
/// <param name="SourceHeight">Height of that image.</param>
/// <param name="ScaledWidth">Width after resizing.</param>
/// <param name="ScaledHeight">Height after resizing.</param>
/// <param name="CropX">Left edge of the window in the resized image.</param>
/// <param name="CropY">Top edge of the window in the resized image.</param>
/// <param name="OutputWidth">Output width.</param>
/// <param name="OutputHeight">Output height.</param>
/// <param name="Flip">Mirror left-right (before padding, as the reference pads batches afterwards).</param>
public sealed record JitterPlan(
    int SourceWidth,
    int SourceHeight,
    int ScaledWidth,
    int ScaledHeight,
    int CropX,
    int CropY,
    int OutputWidth,
    int OutputHeight,
    bool Flip)
{
    /// <summary>A plan that keeps the image's scale and only crops or pads it (top-left anchored) to the output size.</summary>
    /// <param name="width">The image's width.</param>
    /// <param name="height">The image's height.</param>
    /// <param name="outputWidth">Output width.</param>
    /// <param name="outputHeight">Output height.</param>
    /// <returns>The plan.</returns>
    public static JitterPlan Identity(int width, int height, int outputWidth, int outputHeight) =>
        new(width, height, width, height, 0, 0, outputWidth, outputHeight, false);
}
