using XPaste.Coco;
using XPaste.Masks;

namespace XPaste.Yolo;

public sealed partial class YoloDataset
{
    /// <summary>The classes as COCO categories: id = class index + 1 (COCO ids start at 1), name = the class name.</summary>
    /// <returns>One category per name, in class order.</returns>
    public IReadOnlyList<CocoCategory> ToCocoCategories() => [.. Names.Select((name, i) => new CocoCategory { Id = i + 1, Name = name })];

    /// <summary>
    /// The split as a COCO dataset: image ids 1, 2, ... in order, <c>file_name</c> relative to
    /// <paramref name="imagesFolder"/>, categories from <see cref="ToCocoCategories"/>. A detect line becomes a box-only
    /// annotation (no <c>segmentation</c>, <c>area</c> = box area); a segment line a one-polygon annotation whose
    /// <c>bbox</c> is the polygon's extent and <c>area</c> its rasterised area, as the COCO API computes it.
    /// </summary>
    /// <param name="imagesFolder">The folder every image lies under (the <c>file_name</c>s are relative to it).</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="InvalidInputException">An image lies outside <paramref name="imagesFolder"/>.</exception>
    public CocoDataset ToCoco(string imagesFolder)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagesFolder);
        string root = Path.GetFullPath(imagesFolder);
        var images = new List<CocoImage>(Images.Count);
        var annotations = new List<CocoAnnotation>();
        for (int i = 0; i < Images.Count; i++)
        {
            YoloImage image = Images[i];
            string relative = Path.GetRelativePath(root, image.ImagePath);
            if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
            {
                throw new InvalidInputException(image.ImagePath, $"is not under the images folder {root}");
            }

            images.Add(new CocoImage { Id = i + 1, FileName = relative.Replace('\\', '/'), Width = image.Width, Height = image.Height });
            foreach (YoloObject o in image.Objects)
            {
                annotations.Add(ToAnnotation(annotations.Count + 1, i + 1, o, image.Width, image.Height));
            }
        }

        return new CocoDataset
        {
            Info = new CocoInfo { Description = $"converted from YOLO dataset {SourceName} ({Split})" },
            Images = images,
            Annotations = annotations,
            Categories = ToCocoCategories(),
            SourceName = SourceName,
        };
    }

    private static CocoAnnotation ToAnnotation(long id, long imageId, YoloObject o, int width, int height)
    {
        if (YoloCoco.Polygon(o, width, height) is { } xy)
        {
            Rle mask = Rle.FromPolygon(xy, height, width);
            double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
            for (int k = 0; k + 1 < xy.Length; k += 2)
            {
                minX = Math.Min(minX, xy[k]);
                maxX = Math.Max(maxX, xy[k]);
                minY = Math.Min(minY, xy[k + 1]);
                maxY = Math.Max(maxY, xy[k + 1]);
            }

            return new CocoAnnotation
            {
                Id = id,
                ImageId = imageId,
                CategoryId = o.ClassId + 1,
                Segmentation = CocoSegmentation.FromPolygons([xy]),
                Area = mask.Area,
                Bbox = CocoBox.FromXyxy(minX, minY, maxX, maxY),
                IsCrowd = 0,
            };
        }

        CocoBox box = YoloCoco.Box(o, width, height);
        return new CocoAnnotation { Id = id, ImageId = imageId, CategoryId = o.ClassId + 1, Area = box.Area, Bbox = box, IsCrowd = 0 };
    }
}
