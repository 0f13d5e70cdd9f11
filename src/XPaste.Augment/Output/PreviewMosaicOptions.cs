namespace XPaste.Augment;

/// <summary>How <see cref="PreviewMosaic"/> lays out and labels a preview.</summary>
public sealed class PreviewMosaicOptions
{
    /// <summary>Tiles per row. With originals each sample takes two tiles (original, augmented). Default 4.</summary>
    public int Columns { get; init; } = 4;

    /// <summary>The longer side of each tile in pixels (images are scaled down to it, never up). Default 320.</summary>
    public int TileSize { get; init; } = 320;

    /// <summary>Most samples drawn. Default 16.</summary>
    public int MaxImages { get; init; } = 16;

    /// <summary>Category id to name, for the labels of pasted objects; the id is written where a name is missing.</summary>
    public IReadOnlyDictionary<int, string>? CategoryNames { get; init; }

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new PreviewMosaicOptionsValidator(), this);
}
