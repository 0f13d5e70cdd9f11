namespace XPaste.Augment;

/// <summary>Settings of <see cref="CocoPasteWriter"/>.</summary>
public sealed class CocoPasteWriterOptions
{
    /// <summary>Image file format. Default <see cref="AugmentedImageFormat.Jpeg"/>.</summary>
    public AugmentedImageFormat Format { get; init; } = AugmentedImageFormat.Jpeg;

    /// <summary>JPEG quality, 1-100. Default 95.</summary>
    public int JpegQuality { get; init; } = 95;

    /// <summary>The folder under the output folder that holds the images. Default <c>images</c>.</summary>
    public string ImagesFolderName { get; init; } = "images";

    /// <summary>
    /// The labels an <see cref="AugmentRun"/> writes: COCO only (default), or also YOLO labels and <c>data.yaml</c>.
    /// (<see cref="CocoPasteWriter"/> itself writes COCO.)
    /// </summary>
    public AugmentLabelFormat LabelFormat { get; init; } = AugmentLabelFormat.Coco;

    /// <summary>
    /// Box-only objects of the destination (<see cref="AnnotatedImageInfo.BoxOnly"/>) keep their box as it was before
    /// pasting instead of the box of their uncovered part. Default false: a box is shrunk to the part not covered by
    /// pasted objects (which changes it only where a side is covered along its whole length).
    /// </summary>
    public bool KeepBoxOnlyBoxes { get; init; }

    /// <summary>
    /// With <see cref="AugmentLabelFormat.YoloSegment"/>: keep holes in the polygons (see
    /// <see cref="XPaste.Yolo.YoloWriteOptions.KeepHoles"/>). Default false: outer contours, as Ultralytics.
    /// </summary>
    public bool YoloKeepHoles { get; init; }

    /// <summary>Also write every sample's plan, one JSON line per image in image order, to <c>plans.jsonl</c>. Default true.</summary>
    public bool WritePlans { get; init; } = true;

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new CocoPasteWriterOptionsValidator(), this);
}
