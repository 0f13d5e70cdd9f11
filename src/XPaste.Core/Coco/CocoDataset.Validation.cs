using XPaste.Masks;

namespace XPaste.Coco;

/// <summary>What <see cref="Load(string, CocoLoadOptions?)"/> checks: ids unique and known, boxes inside their images, segmentations decodable.</summary>
public sealed partial class CocoDataset
{
    private static CocoDataset Validate(CocoDataset? raw, string name, CocoLoadOptions options)
    {
        if (raw is null)
        {
            throw new CocoFormatException(name, null, "not valid COCO JSON: the document is null, expected an object");
        }

        IReadOnlyList<CocoImage> images = raw.Images ?? [];
        IReadOnlyList<CocoCategory> categories = raw.Categories ?? [];
        IReadOnlyList<CocoAnnotation> annotations = raw.Annotations ?? [];

        var imageById = new Dictionary<long, CocoImage>(images.Count);
        for (int i = 0; i < images.Count; i++)
        {
            CocoImage image = images[i] ?? throw new CocoFormatException(name, null, $"images[{i}] is null");
            if (!imageById.TryAdd(image.Id, image))
            {
                throw new CocoFormatException(name, null, $"image id {image.Id} appears more than once in images");
            }

            if (image.Width <= 0 || image.Height <= 0 || (long)image.Width * image.Height > Array.MaxLength)
            {
                throw new CocoFormatException(name, null, $"image {image.Id} has an unusable size {image.Width}x{image.Height} (width x height)");
            }
        }

        var categoryById = new Dictionary<int, CocoCategory>(categories.Count);
        for (int i = 0; i < categories.Count; i++)
        {
            CocoCategory category = categories[i] ?? throw new CocoFormatException(name, null, $"categories[{i}] is null");
            if (!categoryById.TryAdd(category.Id, category))
            {
                throw new CocoFormatException(name, null, $"category id {category.Id} appears more than once in categories");
            }
        }

        var seen = new HashSet<long>(annotations.Count);
        var kept = new List<CocoAnnotation>(annotations.Count);
        var skipped = new List<CocoAnnotationProblem>();
        for (int i = 0; i < annotations.Count; i++)
        {
            CocoAnnotation annotation = annotations[i] ?? throw new CocoFormatException(name, null, $"annotations[{i}] is null");
            string? problem = CheckAnnotation(annotation, seen, imageById, categoryById, options);
            if (problem is null)
            {
                kept.Add(annotation);
                continue;
            }

            if (options.InvalidAnnotations == InvalidAnnotationHandling.Throw)
            {
                throw annotation.HasId
                    ? new CocoFormatException(name, annotation.Id, problem)
                    : new CocoFormatException(name, null, $"annotations[{i}]: {problem}");
            }

            skipped.Add(new CocoAnnotationProblem(annotation.Id, i, problem) { HasId = annotation.HasId });
        }

        var dataset = new CocoDataset
        {
            Info = raw.Info,
            Licenses = raw.Licenses,
            Images = images,
            Annotations = kept,
            Categories = categories,
            ExtensionData = raw.ExtensionData,
            SourceName = name,
            SkippedAnnotations = skipped,
            HasAnnotationsKey = raw.Annotations is not null,
        };
        dataset._lookup = new Lookup(imageById, categoryById, kept);
        return dataset;
    }

    private static string? CheckAnnotation(CocoAnnotation annotation, HashSet<long> seen, Dictionary<long, CocoImage> images,
        Dictionary<int, CocoCategory> categories, CocoLoadOptions options)
    {
        if (!annotation.HasId)
        {
            return "has no id";
        }

        if (!seen.Add(annotation.Id))
        {
            return $"id {annotation.Id} is used by an earlier annotation";
        }

        if (!images.TryGetValue(annotation.ImageId, out CocoImage? image))
        {
            return $"image_id {annotation.ImageId} is not in images";
        }

        if (!categories.ContainsKey(annotation.CategoryId))
        {
            return $"category_id {annotation.CategoryId} is not in categories";
        }

        return CheckBox(annotation.Bbox, image)
            ?? annotation.Segmentation?.Check(image.Height, image.Width, options.ValidateRleCounts);
    }

    /// <summary>How far (in pixels) a box may reach past the image's edges: float rounding, as in COCO's own files.</summary>
    private const double BoxTolerance = 1;

    private static string? CheckBox(CocoBox? bbox, CocoImage image)
    {
        if (bbox is not { } box)
        {
            return null;
        }

        if (!double.IsFinite(box.X) || !double.IsFinite(box.Y) || !double.IsFinite(box.Width) || !double.IsFinite(box.Height))
        {
            return "bbox is not 4 finite numbers [x, y, w, h]";
        }

        if (box.Width < 0 || box.Height < 0)
        {
            return FormattableString.Invariant($"bbox [{box.X}, {box.Y}, {box.Width}, {box.Height}] has a negative width or height");
        }

        if (box.X < -BoxTolerance || box.Y < -BoxTolerance || box.Right > image.Width + BoxTolerance || box.Bottom > image.Height + BoxTolerance)
        {
            return FormattableString.Invariant($"bbox [{box.X}, {box.Y}, {box.Width}, {box.Height}] reaches outside the {image.Width}x{image.Height} image {image.Id}");
        }

        return null;
    }
}
