using System.Globalization;

namespace XPaste.Yolo;

/// <summary>Finds a split's image files and the class names of a YOLO dataset (see <see cref="YoloDataset.Load"/>).</summary>
internal static class YoloLayout
{
    /// <summary>The names of a dataset description inside a dataset folder, in the order they are looked for.</summary>
    private static readonly string[] YamlNames = ["data.yaml", "data.yml", "dataset.yaml"];

    public static (IReadOnlyList<string> Images, IReadOnlyList<string>? Names) Resolve(string yamlOrFolder, string split)
    {
        string full = Path.GetFullPath(yamlOrFolder);
        if (File.Exists(full))
        {
            return FromYaml(full, split);
        }

        if (!Directory.Exists(full))
        {
            throw new InvalidInputException(yamlOrFolder, "not found (expected a data.yaml or a YOLO dataset folder)");
        }

        if (YamlNames.Select(n => Path.Combine(full, n)).FirstOrDefault(File.Exists) is { } yaml)
        {
            return FromYaml(yaml, split);
        }

        string images = Path.Combine(full, "images");
        string folder = Directory.Exists(Path.Combine(images, split)) ? Path.Combine(images, split) : Directory.Exists(images) ? images : full;
        List<string> found = ImagesIn(folder);
        // As Ultralytics, a dataset without images is refused: a folder given by mistake should not read as an empty dataset.
        return found.Count > 0
            ? (found, ClassesTxt(full))
            : throw new InvalidInputException(yamlOrFolder, $"is neither a COCO JSON file nor a YOLO dataset: no data.yaml, and no images in {folder}");
    }

    private static (IReadOnlyList<string>, IReadOnlyList<string>?) FromYaml(string yamlPath, string split)
    {
        YoloDataYaml yaml = YoloDataYaml.Parse(File.ReadAllText(yamlPath), yamlPath);
        string yamlFolder = Path.GetDirectoryName(yamlPath)!;
        string root = yaml.Scalar("path") is { Length: > 0 } p ? Path.GetFullPath(p, yamlFolder) : yamlFolder;
        IReadOnlyList<string> entries = yaml.List(split) is { Count: > 0 } list
            ? list
            : throw new InvalidInputException(yamlPath, $"has no '{split}' split (keys: {string.Join(", ", yaml.Keys)})");
        var images = new List<string>();
        foreach (string entry in entries)
        {
            images.AddRange(Entry(entry, root, yamlPath, split));
        }

        return (images, Names(yaml, yamlPath));
    }

    /// <summary>The images of one split entry: a folder, a list file or a glob.</summary>
    private static List<string> Entry(string entry, string root, string yamlPath, string split)
    {
        if (entry.IndexOfAny(['*', '?']) >= 0)
        {
            return Glob(Path.GetFullPath(entry, root));
        }

        string path = Path.GetFullPath(entry, root);
        if (Directory.Exists(path))
        {
            return ImagesIn(path);
        }

        if (File.Exists(path) && path.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
        {
            string listFolder = Path.GetDirectoryName(path)!;
            return File.ReadAllLines(path)
                .Select(l => l.Trim())
                .Where(l => l.Length > 0)
                .Select(l => l.StartsWith("./", StringComparison.Ordinal) ? Path.GetFullPath(l[2..], listFolder) : Path.GetFullPath(l, root))
                .Where(l => YoloDataset.ImageExtensions.Contains(Path.GetExtension(l).ToLowerInvariant()))
                .ToList();
        }

        if (File.Exists(path))
        {
            return [path];
        }

        throw new InvalidInputException(yamlPath, $"'{split}' entry '{entry}' is not a folder, list file or image (looked for {path})");
    }

    private static List<string> ImagesIn(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => YoloDataset.ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)];

    /// <summary>A glob with wildcards in its file name and optionally one <c>**</c> folder part.</summary>
    private static List<string> Glob(string pattern)
    {
        int star = pattern.IndexOfAny(['*', '?']);
        int cut = pattern.LastIndexOf(Path.DirectorySeparatorChar, star);
        string folder = pattern[..cut];
        string rest = pattern[(cut + 1)..];
        bool recursive = rest.StartsWith("**" + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        string filePattern = recursive ? rest[3..] : rest;
        if (filePattern.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) || !Directory.Exists(folder))
        {
            return [];
        }

        return [.. Directory.EnumerateFiles(folder, filePattern, recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Where(f => YoloDataset.ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)];
    }

    private static List<string> Names(YoloDataYaml yaml, string yamlPath)
    {
        List<string> names;
        if (yaml.Map("names") is { } map)
        {
            names = [];
            foreach ((string key, string value) in map)
            {
                if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id != names.Count)
                {
                    throw new InvalidInputException(yamlPath, $"names map key '{key}' is out of order: keys must be 0, 1, 2, ... (expected {names.Count})");
                }

                names.Add(value);
            }
        }
        else if (yaml.List("names") is { } list && yaml.Scalar("names") is null)
        {
            names = [.. list];
        }
        else
        {
            throw new InvalidInputException(yamlPath, "has no 'names' list or map");
        }

        if (yaml.Scalar("nc") is { } nc && (!int.TryParse(nc, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count != names.Count))
        {
            throw new InvalidInputException(yamlPath, $"nc is {nc} but names has {names.Count} entries");
        }

        return names;
    }

    private static List<string>? ClassesTxt(string folder)
    {
        string path = Path.Combine(folder, "classes.txt");
        return File.Exists(path) ? [.. File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0)] : null;
    }
}
