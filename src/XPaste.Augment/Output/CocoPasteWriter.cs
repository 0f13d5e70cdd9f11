using System.Globalization;
using System.Text;
using System.Text.Json;
using XPaste.Coco;
using XPaste.Imaging;
using XPaste.IO;
using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// Writes augmented samples as a COCO instance-segmentation dataset: image files, then <c>annotations.json</c> with one
/// annotation per object (compressed RLE mask, tight <c>bbox</c>, <c>area</c> = mask pixels, <c>iscrowd</c> 0 and
/// <c>is_pasted</c>; a surviving box-only object of the destination, see <see cref="AnnotatedImageInfo.BoxOnly"/>, gets its
/// box and no segmentation, <c>area</c> = box area) and each image's source (<c>xpaste_destination</c>) and seed (<c>xpaste_seed</c>). Ids are
/// assigned in order from 1, so equal inputs give byte-identical files. Every file is written atomically. Not
/// thread-safe. It keeps the records in memory and writes <c>annotations.json</c> only in <see cref="Save"/>; for long
/// runs that must survive interruption, use <see cref="AugmentRun"/>, which writes the same files resumably.
/// </summary>
public sealed class CocoPasteWriter
{
    private readonly CocoPasteWriterOptions _options;
    private readonly IReadOnlyList<CocoCategory> _categories;
    private readonly List<CocoImage> _images = [];
    private readonly List<CocoAnnotation> _annotations = [];
    private readonly StringBuilder _plans = new();

    /// <summary>Prepares a writer; the folders are created when the first batch is added.</summary>
    /// <param name="outputFolder">Where <c>annotations.json</c> and the image folder go.</param>
    /// <param name="categories">The dataset's categories, copied to the output.</param>
    /// <param name="options">Format settings.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public CocoPasteWriter(string outputFolder, IReadOnlyList<CocoCategory> categories, CocoPasteWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(outputFolder);
        ArgumentNullException.ThrowIfNull(categories);
        _options = options ?? new CocoPasteWriterOptions();
        _options.Validate();

        OutputFolder = Path.GetFullPath(outputFolder);
        _categories = categories;
    }

    /// <summary>The output folder (full path).</summary>
    public string OutputFolder { get; }

    /// <summary>
    /// The augmenter's dataset, to tell which existing objects are box-only (<see cref="AnnotatedImageInfo.BoxOnly"/>);
    /// null writes every object with its mask. Default null.
    /// </summary>
    public IAnnotatedImageSource? Destinations { get; init; }

    /// <summary>The path of <c>annotations.json</c>.</summary>
    public string AnnotationsPath => Path.Combine(OutputFolder, "annotations.json");

    /// <summary>How many images have been added.</summary>
    public int ImageCount => _images.Count;

    /// <summary>How many annotations have been added.</summary>
    public int AnnotationCount => _annotations.Count;

    /// <summary>Writes a batch's images and records its annotations.</summary>
    /// <param name="batch">The batch (not disposed).</param>
    public void Add(AugmentedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        BatchRecords records = WriteBatch(batch, OutputFolder, _options, _images.Count + 1, _annotations.Count + 1, Destinations);
        _images.AddRange(records.Images);
        _annotations.AddRange(records.Annotations);
        foreach (string plan in records.Plans)
        {
            _plans.Append(plan).Append('\n');
        }
    }

    /// <summary>Writes <c>annotations.json</c> (and <c>plans.jsonl</c>) for everything added so far.</summary>
    /// <returns>The dataset written.</returns>
    public CocoDataset Save()
    {
        Directory.CreateDirectory(OutputFolder);
        var dataset = new CocoDataset
        {
            Info = OutputInfo,
            Images = [.. _images],
            Annotations = [.. _annotations],
            Categories = [.. _categories],
            SourceName = AnnotationsPath,
        };
        dataset.Save(AnnotationsPath);
        if (_options.WritePlans)
        {
            AtomicFile.WriteAllText(Path.Combine(OutputFolder, "plans.jsonl"), _plans.ToString());
        }

        return dataset;
    }

    /// <summary>The <c>info</c> of every dataset the writers make.</summary>
    internal static CocoInfo OutputInfo => new() { Description = "XPaste augmented samples" };

    /// <summary>The image file name of an image id, e.g. <c>000012.jpg</c>.</summary>
    internal static string ImageFileName(long imageId, AugmentedImageFormat format) =>
        string.Create(CultureInfo.InvariantCulture, $"{imageId:D6}.{(format == AugmentedImageFormat.Png ? "png" : "jpg")}");

    /// <summary>
    /// Writes a batch's image files (atomically) as images <paramref name="firstImageId"/>, ... and returns its records:
    /// the images, the annotations numbered from <paramref name="firstAnnotationId"/>, and the plans' JSON (empty when
    /// <see cref="CocoPasteWriterOptions.WritePlans"/> is off).
    /// </summary>
    internal static BatchRecords WriteBatch(AugmentedBatch batch, string outputFolder, CocoPasteWriterOptions options, long firstImageId, long firstAnnotationId,
        IAnnotatedImageSource? destinations = null)
    {
        string imagesFolder = Path.Combine(outputFolder, options.ImagesFolderName);
        Directory.CreateDirectory(imagesFolder);
        var images = new List<CocoImage>(batch.Count);
        var annotations = new List<CocoAnnotation>();
        var plans = new List<string>(options.WritePlans ? batch.Count : 0);
        using var scope = NewDisposeScope();
        Tensor pixels = batch.Images.cpu();
        for (int i = 0; i < batch.Count; i++)
        {
            long imageId = firstImageId + i;
            string fileName = ImageFileName(imageId, options.Format);
            string path = Path.Combine(imagesFolder, fileName);
            Tensor image = pixels[i];
            if (options.Format == AugmentedImageFormat.Png)
            {
                ImageIO.SavePng(image, path);
            }
            else
            {
                ImageIO.SaveJpeg(image, path, options.JpegQuality);
            }

            SamplePlan plan = batch.Plans[i];
            images.Add(new CocoImage
            {
                Id = imageId,
                Width = (int)image.shape[2],
                Height = (int)image.shape[1],
                FileName = $"{options.ImagesFolderName}/{fileName}",
                ExtensionData = new Dictionary<string, JsonElement>
                {
                    ["xpaste_destination"] = JsonSerializer.SerializeToElement(plan.DestinationId, OutputJson.Default.String),
                    ["xpaste_seed"] = JsonSerializer.SerializeToElement(plan.Seed.ToString(CultureInfo.InvariantCulture), OutputJson.Default.String),
                },
            });
            AnnotatedImageInfo? destination = destinations is not null && plan.Destination >= 0 && plan.Destination < destinations.Images.Count
                ? destinations.Images[plan.Destination]
                : null;
            AddAnnotations(annotations, imageId, firstAnnotationId, batch.Targets[i], destination, options.KeepBoxOnlyBoxes);
            if (options.WritePlans)
            {
                plans.Add(plan.ToJson());
            }
        }

        return new BatchRecords(images, annotations, plans);
    }

    private static void AddAnnotations(List<CocoAnnotation> annotations, long imageId, long firstAnnotationId, PasteTargets targets, AnnotatedImageInfo? destination, bool keepBoxes)
    {
        if (targets.Count == 0)
        {
            return;
        }

        using var scope = NewDisposeScope();
        Rle[] rles = MaskCodec.Encode(targets.Masks);
        float[] boxes = targets.Boxes.cpu().data<float>().ToArray();
        long[] labels = targets.Labels.cpu().data<long>().ToArray();
        long[] areas = targets.Areas.cpu().data<long>().ToArray();
        bool[] pasted = targets.IsPasted.cpu().data<bool>().ToArray();
        for (int k = 0; k < rles.Length; k++)
        {
            var box = CocoBox.FromXyxy(boxes[4 * k], boxes[(4 * k) + 1], boxes[(4 * k) + 2], boxes[(4 * k) + 3]);
            // An existing box-only object: its mask is (what is left of) its box, written as a box, as it was read.
            bool boxOnly = destination is not null && targets.Origins.Length == rles.Length
                && targets.Origins[k] < destination.ObjectCount && destination.IsBoxOnly(targets.Origins[k]);
            if (boxOnly && keepBoxes && targets.EntryBoxes.Length == 4 * rles.Length)
            {
                float[] e = targets.EntryBoxes;
                box = CocoBox.FromXyxy(e[4 * k], e[(4 * k) + 1], e[(4 * k) + 2], e[(4 * k) + 3]);
            }

            annotations.Add(new CocoAnnotation
            {
                Id = firstAnnotationId + annotations.Count,
                ImageId = imageId,
                CategoryId = checked((int)labels[k]),
                Segmentation = boxOnly ? null : CocoSegmentation.FromRle(rles[k]),
                Area = boxOnly ? box.Area : areas[k],
                Bbox = box,
                IsCrowd = 0,
                ExtensionData = new Dictionary<string, JsonElement>
                {
                    ["is_pasted"] = JsonSerializer.SerializeToElement(pasted[k], OutputJson.Default.Boolean),
                },
            });
        }
    }
}

/// <summary>What <see cref="CocoPasteWriter.WriteBatch"/> records for one batch.</summary>
internal sealed record BatchRecords(List<CocoImage> Images, List<CocoAnnotation> Annotations, List<string> Plans);
