namespace XPaste.Augment;

/// <summary>One setting or input of a run that differs from what the output folder's run recorded.</summary>
/// <param name="Setting">Its name: an <see cref="XPasteOptions"/> property path (<c>Seed</c>, <c>Jitter.OutputWidth</c>),
/// <c>Count</c>, <c>Writer.Format</c>, <c>Dataset</c>, <c>Pool</c>, ..., or the name of one of
/// <see cref="AugmentRunOptions.Inputs"/>.</param>
/// <param name="Recorded">The value the folder's run recorded, or null when it recorded none.</param>
/// <param name="Current">This run's value, or null when it has none.</param>
public sealed record AugmentRunSettingChange(string Setting, string? Recorded, string? Current)
{
    /// <summary>E.g. <c>Seed was 0, now 1</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => $"{Setting} was {Recorded ?? "(not set)"}, now {Current ?? "(not set)"}";
}
