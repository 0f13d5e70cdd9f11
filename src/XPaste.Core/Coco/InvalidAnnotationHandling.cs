namespace XPaste.Coco;

/// <summary>What the loader does with an annotation it cannot use.</summary>
public enum InvalidAnnotationHandling
{
    /// <summary>Throw a <see cref="CocoFormatException"/> naming the file, the annotation and the problem (default).</summary>
    Throw,

    /// <summary>Leave the annotation out and list it in <see cref="CocoDataset.SkippedAnnotations"/>.</summary>
    Skip,
}
