namespace XPaste.Imaging;

/// <summary>Options for <see cref="InstanceOverlay.Draw"/>.</summary>
public sealed class InstanceOverlayOptions
{
    /// <summary>The defaults.</summary>
    public static InstanceOverlayOptions Default { get; } = new();

    /// <summary>Opacity of the mask colour over the image, 0 to 1. Default 0.5.</summary>
    public double MaskOpacity { get; init; } = 0.5;

    /// <summary>Box outline thickness in pixels (drawn inside the box). Default 2; 0 draws no boxes.</summary>
    public int BoxThickness { get; init; } = 2;
}
