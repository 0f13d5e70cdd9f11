namespace XPaste.IO;

/// <summary>Resolves paths read from data files (manifests, COCO <c>file_name</c>) against the folder they belong to.</summary>
internal static class SafePath
{
    /// <summary>
    /// Joins <paramref name="relative"/> to <paramref name="root"/> and checks the result stays inside
    /// <paramref name="root"/>; rooted paths and <c>..</c> that climb out are rejected.
    /// </summary>
    /// <param name="root">The folder the path must stay within.</param>
    /// <param name="relative">The path as written in the data file.</param>
    /// <param name="input">Names the data file in the exception.</param>
    /// <returns>The full path.</returns>
    /// <exception cref="InvalidInputException">The path escapes <paramref name="root"/>.</exception>
    public static string Resolve(string root, string relative, string input)
    {
        ArgumentNullException.ThrowIfNull(relative);
        if (relative.Length == 0 || Path.IsPathRooted(relative) || relative.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidInputException(input, $"path '{relative}' must be a non-empty path relative to {root}");
        }

        string fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + Path.DirectorySeparatorChar;
        string full = Path.GetFullPath(Path.Combine(fullRoot, relative.Replace('\\', '/')));
        StringComparison comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (!full.StartsWith(fullRoot, comparison))
        {
            throw new InvalidInputException(input, $"path '{relative}' escapes its folder {root}");
        }

        return full;
    }
}
