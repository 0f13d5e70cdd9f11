namespace XPaste.Yolo;

/// <summary>Which kind of YOLO labels to write.</summary>
public enum YoloTask
{
    /// <summary>Detection: one <c>class cx cy w h</c> line per object.</summary>
    Detect,

    /// <summary>Segmentation: one <c>class x1 y1 x2 y2 ...</c> polygon line per object.</summary>
    Segment,
}
