using System.Globalization;
using System.Text;
using XPaste.Abstractions;

namespace XPaste.Coco;

/// <summary>
/// The categories an offline run works on: read from a COCO/LVIS dataset file (ids and names as the dataset has them,
/// optionally only LVIS frequencies such as rare) or from a plain list of names (one a line, ids 1, 2, ... in order).
/// </summary>
public static class CategoryList
{
    /// <summary>
    /// Reads <paramref name="path"/>: a <c>.json</c> file is a COCO/LVIS dataset (only its <c>categories</c> are used);
    /// anything else is a text file of names, one a line (blank lines and lines starting with <c>#</c> skipped).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="frequencies">LVIS frequencies to keep (<c>r</c>, <c>c</c>, <c>f</c>); null or empty keeps every category.</param>
    /// <returns>The categories in the file's order.</returns>
    /// <exception cref="InvalidInputException">
    /// The file is missing or malformed, a name appears twice or is unusable as a folder name, or a frequency filter is
    /// given for categories that have no frequency.
    /// </exception>
    public static IReadOnlyList<CategoryInfo> Load(string path, IReadOnlyCollection<string>? frequencies = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new InvalidInputException(path, "file not found");
        }

        List<CategoryInfo> categories = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? FromDataset(path, frequencies)
            : FromNames(path, frequencies);
        if (categories.Count == 0)
        {
            throw new InvalidInputException(path, frequencies is { Count: > 0 }
                ? $"no category has frequency {string.Join(",", frequencies)}"
                : "lists no category");
        }

        return categories;
    }

    /// <summary>The longest category name in UTF-8 bytes: a folder name on every common file system.</summary>
    private const int MaxNameBytes = 255;

    /// <summary>Checks that <paramref name="name"/> can be a category folder name and returns it.</summary>
    /// <param name="input">The input to name in an error.</param>
    /// <param name="name">The category name.</param>
    /// <returns>The name.</returns>
    /// <exception cref="InvalidInputException">The name is empty, has a path separator or control character, starts or ends
    /// with a dot, or is over 255 UTF-8 bytes.</exception>
    public static string CheckFolderName(string input, string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim() != name)
        {
            throw new InvalidInputException(input, $"category name '{name}' is empty or has surrounding spaces");
        }

        if (name.StartsWith('.') || name.AsSpan().IndexOfAny(['/', '\\', ':', '\0']) >= 0 || name.Any(char.IsControl))
        {
            throw new InvalidInputException(input, $"category name '{name}' cannot be a folder name (no leading dot, slashes, colons or control characters)");
        }

        // Checked here, before any work, rather than by the file system part-way through a run.
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxNameBytes)
        {
            throw new InvalidInputException(input, $"category name '{name[..Math.Min(name.Length, 60)]}...' is {bytes} UTF-8 bytes, over the file-system limit of {MaxNameBytes} for a folder name");
        }

        if (name.EndsWith('.'))
        {
            throw new InvalidInputException(input, $"category name '{name}' ends with a dot, which Windows drops from folder names");
        }

        return name;
    }

    private static List<CategoryInfo> FromDataset(string path, IReadOnlyCollection<string>? frequencies)
    {
        CocoDataset dataset = CocoDataset.Load(path);
        var result = new List<CategoryInfo>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (CocoCategory category in dataset.Categories)
        {
            CheckFolderName(path, category.Name);
            if (!names.Add(category.Name))
            {
                throw new InvalidInputException(path, $"category name '{category.Name}' appears twice");
            }

            if (frequencies is { Count: > 0 })
            {
                if (category.Frequency is null)
                {
                    throw new InvalidInputException(path, $"category '{category.Name}' has no LVIS frequency, so --frequency cannot select from this file");
                }

                if (!frequencies.Contains(category.Frequency))
                {
                    continue;
                }
            }

            result.Add(category.ToCategoryInfo());
        }

        return result;
    }

    private static List<CategoryInfo> FromNames(string path, IReadOnlyCollection<string>? frequencies)
    {
        if (frequencies is { Count: > 0 })
        {
            throw new InvalidInputException(path, "a list of names has no LVIS frequencies; --frequency needs a dataset .json");
        }

        var result = new List<CategoryInfo>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (string raw in File.ReadLines(path, Encoding.UTF8))
        {
            lineNumber++;
            string name = raw.Trim();
            if (name.Length == 0 || name.StartsWith('#'))
            {
                continue;
            }

            string input = string.Create(CultureInfo.InvariantCulture, $"{path}:{lineNumber}");
            CheckFolderName(input, name);
            if (seen.TryGetValue(name, out int first))
            {
                throw new InvalidInputException(input, $"category name '{name}' appears twice (first on line {first})");
            }

            seen.Add(name, lineNumber);
            result.Add(new CategoryInfo(result.Count + 1, name));
        }

        return result;
    }

    /// <summary>Selects the categories named in <paramref name="names"/>, in the list's order.</summary>
    /// <param name="categories">The full list.</param>
    /// <param name="names">Names to keep.</param>
    /// <param name="input">The input to name in an error (e.g. <c>--category</c>).</param>
    /// <returns>The selected categories.</returns>
    /// <exception cref="InvalidInputException">A name is not in the list.</exception>
    public static IReadOnlyList<CategoryInfo> Select(IReadOnlyList<CategoryInfo> categories, IReadOnlyCollection<string> names, string input)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(names);
        var known = categories.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        string[] unknown = names.Where(n => !known.Contains(n)).ToArray();
        if (unknown.Length > 0)
        {
            throw new InvalidInputException(input, $"unknown category name{(unknown.Length > 1 ? "s" : "")}: {string.Join(", ", unknown)}");
        }

        var wanted = names.ToHashSet(StringComparer.Ordinal);
        return [.. categories.Where(c => wanted.Contains(c.Name))];
    }
}
