using XPaste.Augment;
using XPaste.Coco;
using XPaste.Yolo;

namespace XPaste.Cli.Commands;

/// <summary>
/// A destination dataset given to <c>augment</c>: a COCO/LVIS JSON, or (by a <c>.yaml</c>/<c>.yml</c> extension or a
/// folder) a YOLO dataset split. Either way the run sees an image source and the dataset in COCO form (for size
/// statistics, category matching and <c>--build-bank</c>).
/// </summary>
internal sealed record DatasetInput(IAnnotatedImageSource Source, CocoDataset Coco, string ImagesFolder, string IdentityPath, bool IsYolo)
{
    /// <summary>Whether the path names a YOLO dataset (a <c>data.yaml</c> or a folder) rather than a COCO JSON.</summary>
    public static bool IsYoloPath(string path) =>
        Directory.Exists(path) || path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    /// <summary>Loads the dataset; <paramref name="images"/> is the COCO image folder (ignored for YOLO).</summary>
    public static async Task<DatasetInput> LoadAsync(string path, string? images, string split, bool skipBadLabels, CancellationToken cancellationToken)
    {
        if (!IsYoloPath(path))
        {
            if (split != "train")
            {
                throw new CliUsageException("--split: only YOLO datasets (data.yaml) have splits; a COCO JSON is one split");
            }

            string folder = images ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", "images");
            CocoDataset coco = await CocoDataset.LoadAsync(path, skipBadLabels ? new CocoLoadOptions { InvalidAnnotations = InvalidAnnotationHandling.Skip } : null, cancellationToken).ConfigureAwait(false);
            ReportSkipped(coco.SkippedAnnotations.Select(p => $"{path}: {p.Position}: {p.Problem}").ToList());
            return new DatasetInput(new CocoImageSource(coco, folder), coco, folder, path, IsYolo: false);
        }

        YoloDataset yolo = YoloDataset.Load(path, new YoloLoadOptions { Split = split, SkipBadLabels = skipBadLabels });
        ReportSkipped(yolo.SkippedLabels.Select(p => $"{p.Position}: {p.Problem}").ToList());
        string root = CommonFolder(yolo.Images.Select(i => i.ImagePath)) ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        string identity = File.Exists(path) ? path : Path.Combine(path, "labels");
        return new DatasetInput(new YoloImageSource(yolo), yolo.ToCoco(root), root, identity, IsYolo: true);
    }

    /// <summary>The deepest folder holding every file, or null for none.</summary>
    public static string? CommonFolder(IEnumerable<string> files)
    {
        string? common = null;
        foreach (string file in files)
        {
            string folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
            if (common is null)
            {
                common = folder;
                continue;
            }

            while (!(folder + Path.DirectorySeparatorChar).StartsWith(common + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                common = Path.GetDirectoryName(common) ?? common;
                if (common == Path.GetPathRoot(common))
                {
                    break;
                }
            }
        }

        return common;
    }

    private static void ReportSkipped(List<string> problems)
    {
        if (problems.Count == 0)
        {
            return;
        }

        foreach (string problem in problems.Take(20))
        {
            Console.Error.WriteLine($"skipped {problem}");
        }

        Console.Error.WriteLine(problems.Count > 20 ? $"skipped {problems.Count} bad labels in all ({problems.Count - 20} more not listed)" : $"skipped {problems.Count} bad labels");
    }
}
