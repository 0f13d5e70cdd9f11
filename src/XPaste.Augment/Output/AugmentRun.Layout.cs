using System.Text.RegularExpressions;
using XPaste.IO;

namespace XPaste.Augment;

/// <summary>The output folder's layout: which files a run owns, finds, clears and leaves behind.</summary>
public sealed partial class AugmentRun
{
    private bool FinalFilesExist() =>
        File.Exists(Path.Combine(OutputFolder, AnnotationsFileName))
        && (Options.Writer.LabelFormat == AugmentLabelFormat.Coco || File.Exists(Path.Combine(OutputFolder, XPaste.Yolo.YoloWriter.DataYamlFileName)))
        && (!Options.Writer.WritePlans || File.Exists(Path.Combine(OutputFolder, PlansFileName)))
        && (!Options.WritePreview || File.Exists(Path.Combine(OutputFolder, PreviewFileName)));

    private void DeleteBatchFiles()
    {
        foreach (string path in Directory.EnumerateFiles(StateFolder).Where(RunBatchFile.IsBatchFile).ToList())
        {
            File.Delete(path);
        }
    }

    /// <summary>Deletes the temporary files a crash left (the lock is held: no writer of this folder is running).</summary>
    private void RemoveTemporaryFiles()
    {
        int removed = 0;
        foreach (string path in TemporaryFiles(OutputFolder, Options.Writer.ImagesFolderName))
        {
            removed += FileCleanup.TryDelete(path) ? 1 : 0;
        }

        if (removed > 0)
        {
            Log.TemporaryFilesRemoved(_logger, OutputFolder, removed);
        }
    }

    private static IEnumerable<string> TemporaryFiles(string outputFolder, string imagesFolderName)
    {
        string state = Path.Combine(outputFolder, StateFolderName), images = Path.Combine(outputFolder, imagesFolderName);
        IEnumerable<string> In(string folder, string pattern) => Directory.Exists(folder) ? Directory.EnumerateFiles(folder, pattern) : [];
        return [
            .. In(state, TemporaryPrefix + "*"),
            .. In(images, TemporaryPrefix + "*"),
            .. new[] { AnnotationsFileName, PlansFileName, PreviewFileName }.SelectMany(name => In(outputFolder, $"{TemporaryPrefix}{name}-*")),
        ];
    }

    /// <summary>Image files of the kind the writers name: <c>000001.jpg</c>, <c>1234567.png</c>.</summary>
    private static IEnumerable<string> ImageFiles(string outputFolder, string imagesFolderName)
    {
        string images = Path.Combine(outputFolder, imagesFolderName);
        return Directory.Exists(images) ? Directory.EnumerateFiles(images).Where(p => ImageName().IsMatch(Path.GetFileName(p))) : [];
    }

    /// <summary>The YOLO label files the writers name: <c>labels/000001.txt</c>, ...</summary>
    private static IEnumerable<string> LabelFiles(string outputFolder)
    {
        string labels = Path.Combine(outputFolder, "labels");
        return Directory.Exists(labels) ? Directory.EnumerateFiles(labels).Where(p => LabelName().IsMatch(Path.GetFileName(p))) : [];
    }

    private static string? FindForeignOutput(string outputFolder, CocoPasteWriterOptions writer)
    {
        foreach (string name in new[] { AnnotationsFileName, PlansFileName, PreviewFileName, XPaste.Yolo.YoloWriter.DataYamlFileName })
        {
            if (File.Exists(Path.Combine(outputFolder, name)))
            {
                return name;
            }
        }

        return ImageFiles(outputFolder, writer.ImagesFolderName).FirstOrDefault() is { } image
            ? $"image files ({Path.GetRelativePath(outputFolder, image)})"
            : null;
    }

    /// <summary>Deletes a run's files; the caller holds the lock (which is kept).</summary>
    private static int ClearFiles(string outputFolder, CocoPasteWriterOptions writer)
    {
        if (!Directory.Exists(outputFolder))
        {
            return 0;
        }

        // The recorded run may have kept its images under another folder name.
        string state = Path.Combine(outputFolder, StateFolderName);
        string[] imageFolders = [.. new[] { writer.ImagesFolderName, RecordedImagesFolder(outputFolder) }.OfType<string>().Distinct(StringComparer.Ordinal)];
        List<string> doomed =
        [
            .. imageFolders.SelectMany(name => TemporaryFiles(outputFolder, name)),
            .. imageFolders.SelectMany(name => ImageFiles(outputFolder, name)),
            .. new[] { AnnotationsFileName, PlansFileName, PreviewFileName, XPaste.Yolo.YoloWriter.DataYamlFileName }.Select(name => Path.Combine(outputFolder, name)).Where(File.Exists),
            .. LabelFiles(outputFolder),
            .. Directory.Exists(state) ? Directory.EnumerateFiles(state).Where(p => Path.GetFileName(p) != LockFileName) : [],
        ];
        int removed = doomed.Distinct(StringComparer.Ordinal).Count(FileCleanup.TryDelete);
        foreach (string name in imageFolders.Append("labels"))
        {
            string images = Path.Combine(outputFolder, name);
            if (Directory.Exists(images) && !Directory.EnumerateFileSystemEntries(images).Any())
            {
                Directory.Delete(images);
            }
        }

        return removed;
    }

    /// <summary>The images folder name the folder's recorded run used, or null when there is none (or it is unusable).</summary>
    private static string? RecordedImagesFolder(string outputFolder)
    {
        try
        {
            AugmentRunManifest? recorded = AugmentRunManifest.Read(Path.Combine(outputFolder, StateFolderName, AugmentRunManifest.FileName), outputFolder);
            if (recorded?.Settings.GetValueOrDefault("Writer.ImagesFolderName") is not { } name)
            {
                return null;
            }

            return CocoPasteWriterOptionsValidator.IsPlainFolderName(name) ? name : null;
        }
        catch (Exception ex) when (ex is InvalidInputException or ArgumentException or IOException)
        {
            return null;
        }
    }

    private static void TryDeleteEmptyFolder(string folder)
    {
        try
        {
            Directory.Delete(folder);
        }
        catch (IOException)
        {
            // Not empty (another run started in between: the folder is its), or already gone.
        }
    }

    [GeneratedRegex(@"^[0-9]{6,}\.(jpg|png)$", RegexOptions.CultureInvariant)]
    private static partial Regex ImageName();

    [GeneratedRegex(@"^[0-9]{6,}\.txt$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelName();
}
