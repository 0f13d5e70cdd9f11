namespace XPaste.Augment;

/// <summary>How a pasted object's pixels are combined with the destination's.</summary>
public enum BlendMode
{
    /// <summary>
    /// The reference's default: where the (resized) alpha exceeds <see cref="PasteKernelOptions.AlphaThreshold"/> the
    /// pixel is the instance's, elsewhere the destination's.
    /// </summary>
    Hard,

    /// <summary>
    /// <c>destination x (1 - a) + instance x a</c> with the instance's own alpha <c>a</c> (0-1). The object's mask is still the
    /// alpha above <see cref="PasteKernelOptions.AlphaThreshold"/>.
    /// </summary>
    Alpha,

    /// <summary>
    /// Like <see cref="Alpha"/>, with the alpha first smoothed by a Gaussian of <see cref="PasteKernelOptions.FeatherSigma"/>
    /// pixels, so edges fade out over a few pixels (also just outside the mask). The object's mask is not blurred.
    /// </summary>
    Feather,
}
