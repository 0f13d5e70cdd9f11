using XPaste.Coco;

namespace XPaste.Yolo;

/// <summary>Options for <see cref="YoloWriter.Write"/>.</summary>
public sealed class YoloWriteOptions
{
    /// <summary>Detect or segment labels. Default <see cref="YoloTask.Detect"/>.</summary>
    public YoloTask Task { get; init; } = YoloTask.Detect;

    /// <summary>
    /// The classes in class-index order (an annotation's class is the index of its category here); null for the
    /// dataset's categories in file order. Default null.
    /// </summary>
    public IReadOnlyList<CocoCategory>? Categories { get; init; }
}
