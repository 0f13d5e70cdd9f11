namespace XPaste.Imaging;

/// <summary>Which channels a decoded image tensor has.</summary>
public enum ImageChannels
{
    /// <summary>RGBA when the file carries transparency, RGB otherwise.</summary>
    Auto,

    /// <summary>Always three channels; transparency is dropped (colour values are kept as stored).</summary>
    Rgb,

    /// <summary>Always four channels; opaque files get alpha 255.</summary>
    Rgba,
}
