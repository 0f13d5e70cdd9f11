using System.Globalization;
using System.Text;
using XPaste.Coco;
using XPaste.IO;
using XPaste.Masks;

namespace XPaste.Yolo;

/// <summary>
/// Writes a COCO dataset as an Ultralytics YOLO dataset: <c>images/</c>, <c>labels/</c> (one <c>.txt</c> per image,
/// empty for an image without objects) and <c>data.yaml</c>. Coordinates are normalised by the image size, clamped to
/// [0, 1] and written with 6 decimals. Crowd annotations are left out (as Ultralytics' COCO converter does).
/// <para>
/// Detect lines are the annotation's <c>bbox</c>. Segment lines are its polygons, or for an RLE the outer contour of
/// each 4-connected part of the mask, traced along pixel edges; several polygons are joined into one as Ultralytics'
/// <c>merge_multi_segment</c> joins them. Holes are not kept by default (an object's polygon covers its holes; see
/// <see cref="YoloWriteOptions.KeepHoles"/>). A box-only annotation (no <c>segmentation</c>) is written as its box's 4 corners.
/// </para>
/// </summary>
public static class YoloWriter
{
    /// <summary>The name of the dataset description written in the output folder.</summary>
    public const string DataYamlFileName = "data.yaml";

    /// <summary>
    /// Writes the dataset. Images already under <c>OUTPUT/images/</c> (<paramref name="imagesFolder"/> is the output
    /// folder and every <c>file_name</c> starts with <c>images/</c>, as <c>augment</c> writes them) stay where they are;
    /// otherwise each image is copied to <c>OUTPUT/images/FILE_NAME</c>. Every file is written atomically.
    /// </summary>
    /// <param name="dataset">The COCO dataset.</param>
    /// <param name="imagesFolder">The folder its <c>file_name</c>s are relative to.</param>
    /// <param name="outputFolder">Where <c>images/</c>, <c>labels/</c> and <c>data.yaml</c> go.</param>
    /// <param name="options">Task and class order; defaults when null.</param>
    /// <param name="cancellationToken">Stops between images.</param>
    /// <returns>How many label lines were written.</returns>
    /// <exception cref="InvalidInputException">An image is missing, or an annotation's category is not among the classes.</exception>
    public static int Write(CocoDataset dataset, string imagesFolder, string outputFolder, YoloWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentException.ThrowIfNullOrEmpty(imagesFolder);
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        options ??= new YoloWriteOptions();
        IReadOnlyList<CocoCategory> classes = options.Categories ?? dataset.Categories;
        var classOf = new Dictionary<int, int>();
        for (int i = 0; i < classes.Count; i++)
        {
            classOf.TryAdd(classes[i].Id, i);
        }

        string output = Path.GetFullPath(outputFolder), source = Path.GetFullPath(imagesFolder);
        bool inPlace = Path.TrimEndingDirectorySeparator(source) == Path.TrimEndingDirectorySeparator(output)
            && dataset.Images.All(i => i.ResolveFileName() is { } f && f.StartsWith("images/", StringComparison.Ordinal));
        int lines = 0;
        foreach (CocoImage image in dataset.Images)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string relative = image.ResolveFileName()
                ?? throw new InvalidInputException(dataset.SourceName, $"image {image.Id} has neither file_name nor coco_url");
            string from = SafePath.Resolve(source, relative, $"{dataset.SourceName} image {image.Id}");
            string to = inPlace ? from : SafePath.Resolve(Path.Combine(output, "images"), relative, $"{dataset.SourceName} image {image.Id}");
            if (!inPlace)
            {
                if (!File.Exists(from))
                {
                    throw new InvalidInputException(from, $"not found (image {image.Id} of {dataset.SourceName})");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(from, to, overwrite: true);
            }

            var text = new StringBuilder();
            foreach (CocoAnnotation annotation in dataset.GetAnnotations(image.Id))
            {
                if (annotation.Crowd)
                {
                    continue;
                }

                if (!classOf.TryGetValue(annotation.CategoryId, out int cls))
                {
                    throw new InvalidInputException(dataset.SourceName, $"annotation {annotation.Id}: category_id {annotation.CategoryId} is not among the classes");
                }

                if (Line(dataset, annotation, image, cls, options) is { } line)
                {
                    text.Append(line).Append('\n');
                    lines++;
                }
            }

            string labelPath = YoloDataset.LabelPathOf(to);
            Directory.CreateDirectory(Path.GetDirectoryName(labelPath)!);
            AtomicFile.WriteAllText(labelPath, text.ToString());
        }

        AtomicFile.WriteAllText(Path.Combine(output, DataYamlFileName), DataYaml(classes));
        return lines;
    }

    /// <summary>The <c>data.yaml</c> text for the classes: <c>train</c> and <c>val</c> both <c>images</c>, <c>names</c> as a map.</summary>
    internal static string DataYaml(IReadOnlyList<CocoCategory> classes)
    {
        var yaml = new StringBuilder();
        yaml.Append("# Written by XPaste. No 'path': Ultralytics then reads the folders below relative to this file.\n");
        yaml.Append("train: images\n");
        yaml.Append("val: images  # the same images: point this at your validation split\n");
        yaml.Append("names:\n");
        for (int i = 0; i < classes.Count; i++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  {i}: '{classes[i].Name.Replace("'", "''", StringComparison.Ordinal)}'\n");
        }

        return yaml.ToString();
    }

    /// <summary>One label line, or null for an annotation with nothing to write (no box, or an empty mask).</summary>
    private static string? Line(CocoDataset dataset, CocoAnnotation annotation, CocoImage image, int cls, YoloWriteOptions options)
    {
        YoloTask task = options.Task;
        double w = image.Width, h = image.Height;
        var line = new StringBuilder(cls.ToString(CultureInfo.InvariantCulture));
        if (task == YoloTask.Detect || annotation.Segmentation is null)
        {
            CocoBox? maybeBox = annotation.Bbox ?? (annotation.Segmentation is null ? null : dataset.DecodeMask(annotation).BoundingBox);
            if (maybeBox is not { Width: > 0, Height: > 0 } box)
            {
                return null;
            }

            double x0 = Clamp(box.X / w), y0 = Clamp(box.Y / h), x1 = Clamp(box.Right / w), y1 = Clamp(box.Bottom / h);
            double[] values = task == YoloTask.Detect
                ? [(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0]
                : [x0, y0, x1, y0, x1, y1, x0, y1];
            Append(line, values);
            return line.ToString();
        }

        IReadOnlyList<double[]> parts = annotation.Segmentation.Kind == CocoSegmentationKind.Polygons
            ? annotation.Segmentation.Polygons
            : options.KeepHoles ? MaskContours.WithHoles(dataset.DecodeMask(annotation)) : MaskContours.Outer(dataset.DecodeMask(annotation));
        if (parts.Count == 0)
        {
            return null;
        }

        double[] xy = SegmentMerge.Merge(parts);
        var normalised = new double[xy.Length];
        for (int k = 0; k + 1 < xy.Length; k += 2)
        {
            normalised[k] = Clamp(xy[k] / w);
            normalised[k + 1] = Clamp(xy[k + 1] / h);
        }

        Append(line, normalised);
        return line.ToString();
    }

    private static double Clamp(double v) => Math.Clamp(v, 0, 1);

    private static void Append(StringBuilder line, double[] values)
    {
        foreach (double v in values)
        {
            line.Append(' ').Append(v.ToString("F6", CultureInfo.InvariantCulture));
        }
    }
}
