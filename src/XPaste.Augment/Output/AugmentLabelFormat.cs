namespace XPaste.Augment;

/// <summary>What labels an <see cref="AugmentRun"/> writes beside its images.</summary>
public enum AugmentLabelFormat
{
    /// <summary>COCO instance segmentation: <c>annotations.json</c> (default).</summary>
    Coco,

    /// <summary>
    /// Also an Ultralytics detection dataset: <c>labels/*.txt</c> with <c>class cx cy w h</c> lines and <c>data.yaml</c>
    /// (see <see cref="XPaste.Yolo.YoloWriter"/>); the same images and objects as the COCO file.
    /// </summary>
    YoloDetect,

    /// <summary>Also an Ultralytics segmentation dataset: <c>labels/*.txt</c> with polygon lines and <c>data.yaml</c>.</summary>
    YoloSegment,
}
