using System.CommandLine;

namespace XPaste.Cli;

/// <summary>The nearest option name for a mistyped one (<c>--datset</c> -> <c>--dataset</c>).</summary>
internal static class OptionSuggestions
{
    /// <summary>
    /// The visible option of <paramref name="command"/> (its own and its ancestors' recursive ones) nearest to
    /// <paramref name="typed"/>: a unique one it is a prefix of, else the closest by edit distance when that is at most
    /// a third of the name's length (at least 1); null when nothing is that close.
    /// </summary>
    public static string? Nearest(string typed, Command command)
    {
        string name = typed.Split('=', 2)[0];
        List<string> candidates = [.. Options(command).Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name))
            .Where(n => n.StartsWith("--", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal)];
        List<string> extensions = [.. candidates.Where(c => name.Length > 3 && c.StartsWith(name, StringComparison.Ordinal))];
        if (extensions.Count == 1)
        {
            return extensions[0];
        }

        (string Name, int Distance)? best = candidates
            .Select(c => (Name: c, Distance: Distance(name, c)))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Cast<(string, int)?>()
            .FirstOrDefault();
        return best is { } b && b.Distance <= Math.Max(1, (b.Name.Length - 2) / 3) ? b.Name : null;
    }

    private static IEnumerable<Option> Options(Command command)
    {
        foreach (Option option in command.Options)
        {
            yield return option;
        }

        foreach (Command parent in command.Parents.OfType<Command>())
        {
            foreach (Option option in Options(parent).Where(o => o.Recursive))
            {
                yield return option;
            }
        }
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
