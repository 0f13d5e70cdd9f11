using System.Text.RegularExpressions;

namespace XPaste.Hub;

/// <summary>Shell-style file patterns as <c>huggingface_hub</c>'s <c>allow_patterns</c> uses them (<c>fnmatch</c>: <c>*</c> also crosses <c>/</c>).</summary>
internal static class GlobPattern
{
    public static bool HasWildcard(string pattern) => pattern.AsSpan().IndexOfAny('*', '?') >= 0;

    public static bool IsMatch(string path, string pattern)
    {
        if (!HasWildcard(pattern))
        {
            return string.Equals(path, pattern, StringComparison.Ordinal);
        }

        string regex = "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$";
        return Regex.IsMatch(path, regex, RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
