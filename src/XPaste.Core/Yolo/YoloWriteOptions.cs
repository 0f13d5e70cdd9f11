using XPaste.Coco;

namespace XPaste.Yolo;

/// <summary>Options for <see cref="YoloWriter.Write"/>.</summary>
public sealed class YoloWriteOptions
{
    /// <summary>Detect or segment labels. Default <see cref="YoloTask.Detect"/>.</summary>
    public YoloTask Task { get; init; } = YoloTask.Detect;

    /// <summary>
    /// Segment labels from masks (RLEs) also keep holes: each hole's boundary is joined into the object's polygon by a
    /// zero-width bridge, so the even-odd fill (COCO's and OpenCV's) leaves the hole empty. Default false: the outer
    /// contour of each part only, as Ultralytics' <c>masks2segments</c> takes it (a hole is then filled).
    /// </summary>
    public bool KeepHoles { get; init; }

    /// <summary>
    /// The classes in class-index order (an annotation's class is the index of its category here); null for the
    /// dataset's categories in file order. Default null.
    /// </summary>
    public IReadOnlyList<CocoCategory>? Categories { get; init; }
}
