namespace XPaste.Extraction;

/// <summary>Why a mask produced no cut-out.</summary>
public enum CutoutRejection
{
    /// <summary>Not rejected.</summary>
    None,

    /// <summary>No pixel is above the threshold.</summary>
    Empty,

    /// <summary>The foreground covers less than <see cref="InstancePostProcessorOptions.MinArea"/> of the image.</summary>
    TooSmall,

    /// <summary>The foreground covers more than <see cref="InstancePostProcessorOptions.MaxArea"/> of the image.</summary>
    TooLarge,

    /// <summary>The kept region is narrower or shorter than <see cref="InstancePostProcessorOptions.MinSide"/> pixels.</summary>
    TooThin,

    /// <summary>The cut-out's short side is below <see cref="InstancePostProcessorOptions.MinCutoutSide"/> pixels.</summary>
    CutoutTooSmall,
}
