namespace XPaste.Coco;

/// <summary>Options for <see cref="CocoDataset.Save(string, CocoSaveOptions?)"/>.</summary>
public sealed class CocoSaveOptions
{
    /// <summary>The defaults.</summary>
    public static CocoSaveOptions Default { get; } = new();

    /// <summary>Indent the JSON (larger files, readable). Default false, as COCO and LVIS files are written.</summary>
    public bool Indented { get; init; }
}
