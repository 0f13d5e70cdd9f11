using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using XPaste.Coco;
using XPaste.Imaging;
using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Cli.Commands;

/// <summary>
/// <c>xpaste inspect DATASET.json [--images DIR] [--json] [--preview OUT.png [--image-id ID]]</c>: validates a COCO or
/// LVIS file by decoding every annotation, prints per-category counts and the problems found, optionally one JSON
/// line per annotation and a preview of one image's masks and boxes. Exit code 1 when anything is invalid.
/// </summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var datasetOption = new Option<FileInfo?>("--dataset") { Description = "COCO or LVIS instance JSON file, or a YOLO data.yaml (or YOLO dataset folder)." };
        var split = new Option<string>("--split") { Description = "The YOLO split to inspect: train, val or test.", DefaultValueFactory = _ => "train" };
        split.AcceptOnlyFromAmong("train", "val", "test");
        var dataset = new Argument<FileInfo?>("dataset") { Description = "The same as --dataset (the positional form).", Arity = ArgumentArity.ZeroOrOne };
        var images = new Option<DirectoryInfo?>("--images") { Description = "Image folder: check that every image file exists and has the size the JSON says; the preview draws over the real image." };
        var json = new Option<bool>("--json") { Description = "Write one JSON line per annotation to stdout: id, area and bbox of the decoded mask (the summary goes to stderr)." };
        var preview = new Option<FileInfo?>("--preview") { Description = "Draw one image's masks (translucent) and boxes into this PNG." };
        var imageId = new Option<long?>("--image-id") { Description = "The image to preview (default: the first image with annotations)." };
        var command = new Command("inspect", "Validate a COCO/LVIS file by decoding every annotation; print per-category counts and problems.")
        {
            datasetOption, dataset, images, json, preview, imageId, split,
        };
        command.Validators.Add(result =>
        {
            bool positional = result.GetValue(dataset) is not null, named = result.GetValue(datasetOption) is not null;
            if (positional == named)
            {
                result.AddError(positional ? "give the dataset once: as --dataset or as the first argument, not both" : "--dataset is required");
            }
        });
        command.SetAction((parse, cancellationToken) => Task.FromResult(DatasetInput.IsYoloPath((parse.GetValue(datasetOption) ?? parse.GetValue(dataset))!.ToString())
            ? YoloInspect.Run((parse.GetValue(datasetOption) ?? parse.GetValue(dataset))!.ToString(), parse.GetValue(split)!)
            : Run(
            (parse.GetValue(datasetOption) ?? parse.GetValue(dataset))!, parse.GetValue(images), parse.GetValue(json), parse.GetValue(preview), parse.GetValue(imageId), cancellationToken)));
        return command;
    }

    private static int Run(FileInfo file, DirectoryInfo? imageFolder, bool jsonLines, FileInfo? preview, long? previewImageId, CancellationToken cancellationToken)
    {
        // The path as typed names the file in every message.
        CocoDataset dataset = CocoDataset.Load(file.ToString(), new CocoLoadOptions { InvalidAnnotations = InvalidAnnotationHandling.Skip });
        var problems = new List<string>();
        problems.AddRange(dataset.SkippedAnnotations.Select(p => $"{dataset.SourceName}: {p.Position}: {p.Problem}"));

        Decoded[] decoded = DecodeAll(dataset, cancellationToken);
        problems.AddRange(decoded.Where(d => d.Problem is not null).Select(d => $"{dataset.SourceName}: annotation {d.Annotation.Id}: {d.Problem}"));
        imageFolder = ImageFolderFor(dataset, imageFolder);
        if (imageFolder is not null)
        {
            problems.AddRange(CheckImageFiles(dataset, imageFolder.FullName, cancellationToken));
        }

        TextWriter summary = jsonLines ? Console.Error : Console.Out;
        if (jsonLines)
        {
            WriteJsonLines(decoded);
        }

        WriteSummary(summary, dataset, decoded);
        if (preview is not null)
        {
            WritePreview(dataset, decoded, imageFolder?.FullName, preview.FullName, previewImageId, summary);
        }

        foreach (string problem in problems)
        {
            Console.Error.WriteLine(problem);
        }

        if (problems.Count > 0)
        {
            Console.Error.WriteLine($"{dataset.SourceName}: {problems.Count} problem(s) found");
            return ExitCodes.Failure;
        }

        return 0;
    }

    /// <summary>An annotation with its decoded mask's area and box, or why it could not be decoded.</summary>
    private sealed record Decoded(CocoAnnotation Annotation, long Area, CocoBox Box, string? Problem);

    private static Decoded[] DecodeAll(CocoDataset dataset, CancellationToken cancellationToken)
    {
        var result = new Decoded[dataset.Annotations.Count];
        Parallel.For(0, result.Length, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            CocoAnnotation annotation = dataset.Annotations[i];
            // A box-only annotation (no segmentation) is valid: its box stands for its mask.
            result[i] = annotation is { Segmentation: null, Bbox: { } box }
                ? new Decoded(annotation, (long)Math.Round(box.Area), box, null)
                : dataset.TryDecodeMask(annotation, out Rle? mask, out string? problem)
                ? new Decoded(annotation, mask.Area, mask.BoundingBox, null)
                : new Decoded(annotation, 0, default, problem);
        });
        return result;
    }

    /// <summary>
    /// The folder the file names are relative to. <c>xpaste augment</c> writes <c>file_name</c> as <c>images/0000.png</c>
    /// (relative to its output folder), so <c>--images OUT/images</c> means OUT when the names start with that folder's
    /// name and the files are found from OUT but not from OUT/images.
    /// </summary>
    private static DirectoryInfo? ImageFolderFor(CocoDataset dataset, DirectoryInfo? folder)
    {
        string prefix = folder is null ? "" : folder.Name + "/";
        if (folder?.Parent is not { } parent || dataset.Images.Count == 0
            || dataset.Images[0].ResolveFileName() is not { } name || !name.StartsWith(prefix, StringComparison.Ordinal))
        {
            return folder;
        }

        bool Found(DirectoryInfo dir)
        {
            try
            {
                return File.Exists(dataset.Images[0].ResolvePath(dir.FullName));
            }
            catch (InvalidInputException)
            {
                return false;
            }
        }

        return !Found(folder) && Found(parent) ? parent : folder;
    }

    private static IEnumerable<string> CheckImageFiles(CocoDataset dataset, string folder, CancellationToken cancellationToken)
    {
        var problems = new ConcurrentBag<(int Index, string Problem)>();
        Parallel.For(0, dataset.Images.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            CocoImage image = dataset.Images[i];
            string prefix = $"{dataset.SourceName}: image {image.Id}: ";
            try
            {
                string path = image.ResolvePath(folder);
                string relative = image.ResolveFileName()!;
                if (!File.Exists(path))
                {
                    problems.Add((i, prefix + $"file {relative} not found in {folder}"));
                    return;
                }

                ImageHeader header = ImageIO.ReadHeader(path);
                if (header.Width != image.Width || header.Height != image.Height)
                {
                    problems.Add((i, prefix + $"file {relative} is {header.Width}x{header.Height} but the JSON says {image.Width}x{image.Height}"));
                }
            }
            catch (InvalidInputException ex)
            {
                problems.Add((i, prefix + ex.Problem));
            }
        });
        return problems.OrderBy(p => p.Index).Select(p => p.Problem);
    }

    private static void WriteJsonLines(Decoded[] decoded)
    {
        using Stream stdout = Console.OpenStandardOutput();
        using var buffered = new BufferedStream(stdout, 1 << 16);
        using var writer = new Utf8JsonWriter(buffered);
        foreach (Decoded d in decoded)
        {
            if (d.Problem is not null)
            {
                continue;
            }

            writer.WriteStartObject();
            writer.WriteNumber("id", d.Annotation.Id);
            writer.WriteNumber("area", d.Area);
            writer.WriteStartArray("bbox");
            writer.WriteNumberValue(d.Box.X);
            writer.WriteNumberValue(d.Box.Y);
            writer.WriteNumberValue(d.Box.Width);
            writer.WriteNumberValue(d.Box.Height);
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.Flush();
            buffered.WriteByte((byte)'\n');
            writer.Reset();
        }
    }

    private static void WriteSummary(TextWriter output, CocoDataset dataset, Decoded[] decoded)
    {
        var perCategory = new Dictionary<int, (int Annotations, int Crowd, HashSet<long> Images)>();
        foreach (Decoded d in decoded)
        {
            if (!perCategory.TryGetValue(d.Annotation.CategoryId, out var counts))
            {
                counts = (0, 0, []);
            }

            counts.Images.Add(d.Annotation.ImageId);
            perCategory[d.Annotation.CategoryId] = (counts.Annotations + 1, counts.Crowd + (d.Annotation.Crowd ? 1 : 0), counts.Images);
        }

        int crowd = decoded.Count(d => d.Annotation.Crowd);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{dataset.SourceName}: {dataset.Images.Count} images, {dataset.Categories.Count} categories, {decoded.Length} annotations ({crowd} crowd), {dataset.SkippedAnnotations.Count} skipped"));
        int nameWidth = Math.Max(4, dataset.Categories.Select(c => c.Name.Length).DefaultIfEmpty(0).Max());
        output.WriteLine($"{"id",6}  {"name".PadRight(nameWidth)}  {"annotations",11}  {"images",6}  {"crowd",5}");
        foreach (CocoCategory category in dataset.Categories.OrderBy(c => c.Id))
        {
            var counts = perCategory.GetValueOrDefault(category.Id, (0, 0, []));
            output.WriteLine($"{category.Id,6}  {category.Name.PadRight(nameWidth)}  {counts.Annotations,11}  {counts.Images.Count,6}  {counts.Crowd,5}");
        }
    }

    private static void WritePreview(CocoDataset dataset, Decoded[] decoded, string? imageFolder, string output, long? imageId, TextWriter log)
    {
        CocoImage image = imageId is { } id
            ? dataset.TryGetImage(id, out CocoImage? chosen) ? chosen : throw new InvalidInputException(dataset.SourceName, $"--image-id {id} is not in images")
            : dataset.Images.FirstOrDefault(i => dataset.GetAnnotations(i.Id).Count > 0) ?? (dataset.Images.Count > 0 ? dataset.Images[0] : null)
              ?? throw new InvalidInputException(dataset.SourceName, "has no images to preview");

        using var scope = NewDisposeScope();
        Tensor canvas = LoadCanvas(dataset, image, imageFolder);
        var masks = new List<Rle>();
        foreach (CocoAnnotation annotation in dataset.GetAnnotations(image.Id))
        {
            if (dataset.TryDecodeMask(annotation, out Rle? mask, out _))
            {
                masks.Add(mask);
            }
        }

        Tensor maskTensor = MaskCodec.Decode(masks, image.Height, image.Width);
        (Tensor boxes, Tensor _) = MaskBoxes.TightBoxes(maskTensor);
        Tensor drawn = InstanceOverlay.Draw(canvas, maskTensor, boxes);
        ImageIO.SavePng(drawn, output);
        log.WriteLine($"preview of image {image.Id} ({masks.Count} instances) written to {output}");
    }

    private static Tensor LoadCanvas(CocoDataset dataset, CocoImage image, string? imageFolder)
    {
        if (imageFolder is not null && image.ResolveFileName() is not null)
        {
            string path = image.ResolvePath(imageFolder);
            if (File.Exists(path))
            {
                Tensor loaded = ImageIO.Load(path, new ImageLoadOptions { Channels = ImageChannels.Rgb });
                if (loaded.shape[1] != image.Height || loaded.shape[2] != image.Width)
                {
                    throw new InvalidInputException(path, $"is {loaded.shape[2]}x{loaded.shape[1]} but {dataset.SourceName} says image {image.Id} is {image.Width}x{image.Height}");
                }

                return loaded;
            }
        }

        // No image file: draw on mid grey so the masks and boxes still show.
        return full(new long[] { 3, image.Height, image.Width }, 128, ScalarType.Byte);
    }
}
