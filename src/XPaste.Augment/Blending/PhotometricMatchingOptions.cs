namespace XPaste.Augment;

/// <summary>
/// Optional matching of a pasted object's brightness and contrast to the destination region it lands on: its luminance
/// mean and standard deviation are moved towards the region's. Off by default (the reference does not do it).
/// </summary>
public sealed class PhotometricMatchingOptions
{
    /// <summary>Whether to match. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>How far to move, 0 (not at all) to 1 (fully). Default 0.5.</summary>
    public double Strength { get; set; } = 0.5;

    /// <summary>The smallest contrast gain applied. Default 0.5.</summary>
    public double MinGain { get; set; } = 0.5;

    /// <summary>The largest contrast gain applied. Default 2.</summary>
    public double MaxGain { get; set; } = 2.0;

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new PhotometricMatchingOptionsValidator(), this);
}
