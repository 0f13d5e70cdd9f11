namespace XPaste.Yolo;

/// <summary>An image of a YOLO dataset with the objects of its label file.</summary>
/// <param name="ImagePath">The image file (full path).</param>
/// <param name="LabelPath">Where its label file is (or would be): <c>images</c> replaced by <c>labels</c>, extension <c>.txt</c>.</param>
/// <param name="Width">Width in pixels (after EXIF orientation).</param>
/// <param name="Height">Height in pixels (after EXIF orientation).</param>
/// <param name="Objects">The objects, in file order; empty for a background image.</param>
/// <param name="HasLabelFile">Whether the label file exists (without one the image is a background image).</param>
public sealed record YoloImage(string ImagePath, string LabelPath, int Width, int Height, IReadOnlyList<YoloObject> Objects, bool HasLabelFile);
