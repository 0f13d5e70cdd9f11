using System.Globalization;
using XPaste.Yolo;

namespace XPaste.Cli.Commands;

/// <summary><c>xpaste inspect data.yaml [--split S]</c>: a YOLO split's counts per class and its bad label lines by file and line.</summary>
internal static class YoloInspect
{
    public static int Run(string path, string split)
    {
        YoloDataset dataset = YoloDataset.Load(path, new YoloLoadOptions { Split = split, SkipBadLabels = true });
        int background = dataset.Images.Count(i => i.Objects.Count == 0);
        int missing = dataset.Images.Count(i => !i.HasLabelFile);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{dataset.SourceName} ({dataset.Split}): {dataset.Images.Count} images ({background} background, {missing} without a label file), {dataset.Images.Sum(i => i.Objects.Count)} objects, {dataset.Names.Count} classes"));
        Console.Out.WriteLine("class  name                  images  objects  boxes  segments");
        for (int c = 0; c < dataset.Names.Count; c++)
        {
            int images = dataset.Images.Count(i => i.Objects.Any(o => o.ClassId == c));
            int boxes = dataset.Images.Sum(i => i.Objects.Count(o => o.ClassId == c && o.IsBoxOnly));
            int segments = dataset.Images.Sum(i => i.Objects.Count(o => o.ClassId == c && !o.IsBoxOnly));
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c,5}  {Truncate(dataset.Names[c], 20),-20}  {images,6}  {boxes + segments,7}  {boxes,5}  {segments,8}"));
        }

        foreach (YoloLabelProblem problem in dataset.SkippedLabels)
        {
            Console.Error.WriteLine($"{problem.Position}: {problem.Problem}");
        }

        if (dataset.SkippedLabels.Count > 0)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{dataset.SourceName}: {dataset.SkippedLabels.Count} problem(s) found"));
            return ExitCodes.Failure;
        }

        return ExitCodes.Success;
    }

    private static string Truncate(string name, int length) => name.Length <= length ? name : name[..(length - 1)] + "~";
}
