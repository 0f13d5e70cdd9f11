using XPaste.Imaging;

namespace XPaste.Yolo;

/// <summary>
/// One split of an Ultralytics YOLO dataset: its class names and images, each with the objects of its label file
/// (detect lines <c>class cx cy w h</c> and segment lines <c>class x1 y1 x2 y2 ...</c>, normalised). Images without a
/// label file are background images. Read with <see cref="Load(string, YoloLoadOptions?)"/>.
/// </summary>
public sealed partial class YoloDataset
{
    /// <summary>The image file extensions read (those SkiaSharp decodes among Ultralytics' image formats).</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".bmp", ".jpg", ".jpeg", ".png", ".webp"];

    /// <summary>Creates a dataset in memory (<see cref="Load(string, YoloLoadOptions?)"/> reads one from disk).</summary>
    /// <param name="names">The class names, index = class id.</param>
    /// <param name="images">The images.</param>
    /// <param name="sourceName">Names the dataset in messages.</param>
    public YoloDataset(IReadOnlyList<string> names, IReadOnlyList<YoloImage> images, string sourceName = "YOLO dataset")
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(sourceName);
        Names = names;
        Images = images;
        SourceName = sourceName;
    }

    /// <summary>The class names; a label's class id indexes this list.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The split's images in a stable order (sorted by path within each listed folder).</summary>
    public IReadOnlyList<YoloImage> Images { get; }

    /// <summary>The <c>data.yaml</c> or folder the dataset was read from; used in messages.</summary>
    public string SourceName { get; }

    /// <summary>The split read (<c>train</c>, <c>val</c> or <c>test</c>).</summary>
    public string Split { get; init; } = "train";

    /// <summary>The label lines left out by <see cref="YoloLoadOptions.SkipBadLabels"/>; empty when none.</summary>
    public IReadOnlyList<YoloLabelProblem> SkippedLabels { get; init; } = [];

    /// <summary>Whether no object has a polygon (a detection dataset: objects are boxes only).</summary>
    public bool IsBoxOnly => Images.All(i => i.Objects.All(o => o.IsBoxOnly));

    /// <summary>
    /// Reads one split of a YOLO dataset: a <c>data.yaml</c> file, or a folder holding <c>data.yaml</c>, or a folder
    /// laid out as <c>images/</c> (optionally <c>images/SPLIT/</c>) beside <c>labels/</c>, whose class names then come
    /// from a <c>classes.txt</c> in the folder (one per line) or, without one, are the class ids as text.
    /// <para>
    /// In <c>data.yaml</c>: <c>path</c> is the dataset root (relative to the file's folder; Ultralytics resolves a
    /// relative one against its own datasets folder setting), the split key (<c>train</c>, <c>val</c>, <c>test</c>) is a
    /// folder, a <c>.txt</c> list of image paths (<c>./x</c> relative to the list's folder, other relative paths to the
    /// root), a glob, or a list of these; <c>names</c> is a list or a map from 0..n-1. Each image's label file is its
    /// path with the last <c>/images/</c> replaced by <c>/labels/</c> and the extension by <c>.txt</c>, as in
    /// Ultralytics' <c>img2label_paths</c>.
    /// </para>
    /// </summary>
    /// <param name="yamlOrFolder">The <c>data.yaml</c> or the dataset folder.</param>
    /// <param name="options">Split and bad-line handling; <see cref="YoloLoadOptions.Default"/> when null.</param>
    /// <returns>The split.</returns>
    /// <exception cref="InvalidInputException">
    /// The file or folder is missing, <c>data.yaml</c> lacks the split or <c>names</c> or is malformed, an image cannot be
    /// read, or (unless skipped) a label line is bad (named as <c>file:line</c>).
    /// </exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public static YoloDataset Load(string yamlOrFolder, YoloLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(yamlOrFolder);
        options ??= YoloLoadOptions.Default;
        options.Validate();

        (IReadOnlyList<string> imagePaths, IReadOnlyList<string>? names) = YoloLayout.Resolve(yamlOrFolder, options.Split);
        var problems = new List<YoloLabelProblem>();
        var images = new List<YoloImage>(imagePaths.Count);
        int? classCount = names?.Count;
        foreach (string imagePath in imagePaths)
        {
            ImageHeader header;
            try
            {
                header = ImageIO.ReadHeader(imagePath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new InvalidInputException(imagePath, $"cannot be read ({ex.Message})", ex);
            }

            string labelPath = LabelPathOf(imagePath);
            bool hasLabels = File.Exists(labelPath);
            List<YoloObject> objects = hasLabels ? YoloLabelReader.Read(labelPath, classCount, options.SkipBadLabels, problems) : [];
            images.Add(new YoloImage(imagePath, labelPath, header.Width, header.Height, objects, hasLabels));
        }

        if (names is null)
        {
            int max = images.SelectMany(i => i.Objects).Select(o => o.ClassId).DefaultIfEmpty(-1).Max();
            names = [.. Enumerable.Range(0, max + 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        }

        return new YoloDataset(names, images, Path.GetFullPath(yamlOrFolder)) { Split = options.Split, SkippedLabels = problems };
    }

    /// <summary>
    /// The label file of an image, as Ultralytics' <c>img2label_paths</c>: the last <c>/images/</c> of the path
    /// replaced by <c>/labels/</c>, the extension by <c>.txt</c>.
    /// </summary>
    /// <param name="imagePath">The image file.</param>
    /// <returns>The label file's path.</returns>
    public static string LabelPathOf(string imagePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagePath);
        string full = Path.GetFullPath(imagePath);
        string sep = Path.DirectorySeparatorChar.ToString();
        string images = $"{sep}images{sep}", labels = $"{sep}labels{sep}";
        int at = full.LastIndexOf(images, StringComparison.Ordinal);
        if (at >= 0)
        {
            full = string.Concat(full.AsSpan(0, at), labels, full.AsSpan(at + images.Length));
        }

        return Path.ChangeExtension(full, ".txt");
    }
}
