using System.Text;

namespace XPaste.Crawl;

/// <summary>
/// The rules of one robots.txt (RFC 9309) for one crawler: the groups naming its product token, or else the
/// <c>*</c> groups; the longest matching Allow/Disallow pattern wins (Allow on a tie); <c>*</c> and a final <c>$</c>
/// are wildcards.
/// </summary>
internal sealed class RobotsRules
{
    private readonly List<(string Pattern, bool Allow)> _rules;

    private RobotsRules(List<(string Pattern, bool Allow)> rules, bool disallowAll)
    {
        _rules = rules;
        DisallowAll = disallowAll;
    }

    /// <summary>Rules that allow everything (no robots.txt, or a 4xx for it).</summary>
    public static RobotsRules AllowAll { get; } = new([], false);

    /// <summary>Rules that refuse everything (robots.txt unreachable: a 5xx or network error, per RFC 9309).</summary>
    public static RobotsRules Unreachable { get; } = new([], true);

    /// <summary>Whether every path is refused.</summary>
    public bool DisallowAll { get; }

    /// <summary>Parses robots.txt text for the crawler whose product token is <paramref name="agent"/>.</summary>
    public static RobotsRules Parse(string text, string agent)
    {
        var mine = new List<(string, bool)>();
        var star = new List<(string, bool)>();
        bool anyMine = false;
        var groupAgents = new List<string>();
        bool inRules = false;
        foreach (string raw in text.Split('\n'))
        {
            string line = raw;
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash];
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            string key = line[..colon].Trim().ToLowerInvariant();
            string value = line[(colon + 1)..].Trim();
            if (key is "user-agent" or "useragent")
            {
                if (inRules)
                {
                    groupAgents.Clear();
                    inRules = false;
                }

                groupAgents.Add(value);
                anyMine |= Matches(value, agent);
            }
            else if (key is "allow" or "disallow")
            {
                inRules = true;
                if (value.Length == 0)
                {
                    continue; // "Disallow:" with nothing allows everything.
                }

                var rule = (value, key == "allow");
                if (groupAgents.Exists(a => Matches(a, agent)))
                {
                    mine.Add(rule);
                }
                else if (groupAgents.Exists(a => a == "*"))
                {
                    star.Add(rule);
                }
            }
        }

        return new RobotsRules(anyMine ? mine : star, false);
    }

    /// <summary>Whether the path and query of <paramref name="uri"/> may be fetched.</summary>
    public bool IsAllowed(Uri uri)
    {
        string path = uri.PathAndQuery;
        if (path == "/robots.txt")
        {
            return true;
        }

        if (DisallowAll)
        {
            return false;
        }

        int best = -1;
        bool allow = true;
        foreach ((string pattern, bool isAllow) in _rules)
        {
            if (pattern.Length >= best && Match(pattern, path) && (pattern.Length > best || isAllow))
            {
                allow = isAllow || (pattern.Length == best && allow);
                best = pattern.Length;
            }
        }

        return allow;
    }

    private static bool Matches(string groupAgent, string agent) =>
        groupAgent != "*" && string.Equals(groupAgent, agent, StringComparison.OrdinalIgnoreCase);

    /// <summary>Matches a robots pattern (<c>*</c> any run, trailing <c>$</c> end) against the start of a path.</summary>
    internal static bool Match(string pattern, string path)
    {
        bool anchored = pattern.EndsWith('$');
        if (anchored)
        {
            pattern = pattern[..^1];
        }

        pattern = Normalize(pattern);
        path = Normalize(path);
        return Glob(pattern, path, anchored);
    }

    // A glob match by dynamic programming: linear in pattern x path, whatever the stars (robots.txt is untrusted input).
    private static bool Glob(string pattern, string path, bool anchored)
    {
        int n = path.Length;
        var reach = new bool[n + 1];
        reach[0] = true;
        foreach (char c in pattern)
        {
            if (c == '*')
            {
                for (int i = 1; i <= n; i++)
                {
                    reach[i] |= reach[i - 1];
                }

                continue;
            }

            for (int i = n; i >= 1; i--)
            {
                reach[i] = reach[i - 1] && path[i - 1] == c;
            }

            reach[0] = false;
        }

        return anchored ? reach[n] : Array.IndexOf(reach, true) >= 0;
    }

    /// <summary>Decodes percent-escapes of unreserved characters so <c>%7E</c> and <c>~</c> compare equal.</summary>
    private static string Normalize(string value)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }

        var sb = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '%' && i + 2 < value.Length && Uri.IsHexDigit(value[i + 1]) && Uri.IsHexDigit(value[i + 2]))
            {
                char c = (char)Convert.ToInt32(value.Substring(i + 1, 2), 16);
                if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~')
                {
                    sb.Append(c);
                    i += 2;
                    continue;
                }

                sb.Append('%').Append(char.ToUpperInvariant(value[i + 1])).Append(char.ToUpperInvariant(value[i + 2]));
                i += 2;
                continue;
            }

            sb.Append(value[i]);
        }

        return sb.ToString();
    }
}
