using System.CommandLine;
using System.Globalization;
using XPaste.Coco;
using XPaste.Yolo;

namespace XPaste.Cli.Commands;

/// <summary>
/// <c>xpaste convert --from D.json|data.yaml --to coco|yolo-detect|yolo-segment --out OUT [--images DIR] [--split S]
/// [--skip-bad-labels]</c>: COCO to YOLO (<c>OUT/images/</c>, <c>OUT/labels/</c>, <c>OUT/data.yaml</c>, see
/// <see cref="YoloWriter"/>) or YOLO to COCO (<c>OUT/annotations.json</c> with the images copied to <c>OUT/images/</c>,
/// see <see cref="YoloDataset.ToCoco"/>).
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var from = new Option<FileInfo>("--from") { Description = "The dataset to convert: a COCO/LVIS JSON, or a YOLO data.yaml (or YOLO dataset folder).", Required = true };
        var to = new Option<string>("--to") { Description = "coco (from YOLO), yolo-detect or yolo-segment (from COCO).", Required = true };
        to.AcceptOnlyFromAmong("coco", "yolo-detect", "yolo-segment");
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder.", Required = true }.NotAFile();
        var images = new Option<DirectoryInfo?>("--images") { Description = "A COCO dataset's image folder (default: 'images' beside the JSON)." };
        var split = new Option<string>("--split") { Description = "The YOLO split to read: train, val or test.", DefaultValueFactory = _ => "train" };
        split.AcceptOnlyFromAmong("train", "val", "test");
        var skipBad = new Option<bool>("--skip-bad-labels") { Description = "Leave out bad YOLO label lines (listing them) instead of refusing the dataset." };
        var command = new Command("convert", "Convert a dataset between COCO and YOLO (Ultralytics) formats, detect or segment.")
        {
            from, to, output, images, split, skipBad,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(
            parse.GetValue(from)!.ToString(), parse.GetValue(to)!, parse.GetValue(output)!.FullName, parse.GetValue(images)?.FullName,
            parse.GetValue(split)!, parse.GetValue(skipBad), cancellationToken)));
        return command;
    }

    private static int Run(string from, string to, string output, string? images, string split, bool skipBad, CancellationToken cancellationToken)
    {
        bool yolo = DatasetInput.IsYoloPath(from);
        if (yolo == (to != "coco"))
        {
            throw new CliUsageException(yolo
                ? $"--to: {from} is a YOLO dataset; it converts to coco"
                : $"--to: {from} is a COCO dataset; it converts to yolo-detect or yolo-segment");
        }

        if (yolo)
        {
            YoloDataset dataset = YoloDataset.Load(from, new YoloLoadOptions { Split = split, SkipBadLabels = skipBad });
            foreach (YoloLabelProblem problem in dataset.SkippedLabels)
            {
                Console.Error.WriteLine($"skipped {problem.Position}: {problem.Problem}");
            }

            string root = DatasetInput.CommonFolder(dataset.Images.Select(i => i.ImagePath)) ?? Path.GetDirectoryName(Path.GetFullPath(from))!;
            CocoDataset coco = dataset.ToCoco(root);
            string outImages = Path.Combine(output, "images");
            foreach (CocoImage image in coco.Images)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // ToCoco names each image relative to the common folder (no "..").
                string target = Path.GetFullPath(Path.Combine(outImages, image.FileName!));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(Path.Combine(root, image.FileName!), target, overwrite: true);
            }

            string json = Path.Combine(output, "annotations.json");
            coco.Save(json);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {coco.Images.Count} images and {coco.Annotations.Count} annotations ({coco.Annotations.Count(a => a.Segmentation is null)} box-only) to {json}"));
            return ExitCodes.Success;
        }

        string folder = images ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(from)) ?? ".", "images");
        CocoDataset source = CocoDataset.Load(from);
        int lines = YoloWriter.Write(source, folder, output, new YoloWriteOptions { Task = to == "yolo-segment" ? YoloTask.Segment : YoloTask.Detect }, cancellationToken);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {source.Images.Count} images and {lines} {to} labels to {output} (images/, labels/, data.yaml; crowd annotations left out)"));
        return ExitCodes.Success;
    }
}
