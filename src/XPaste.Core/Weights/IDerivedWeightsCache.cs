namespace XPaste.Weights;

/// <summary>
/// A module that keeps tensors computed from its parameters (a folded kernel) between calls. <see cref="StateDictLoader"/>
/// tells it after copying new values into the parameters in place, which it could not notice by itself.
/// </summary>
internal interface IDerivedWeightsCache
{
    /// <summary>Drops what was computed from the parameters; the next call recomputes it.</summary>
    void ForgetDerivedWeights();
}
