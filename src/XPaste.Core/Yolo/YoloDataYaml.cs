using System.Globalization;
using System.Text;

namespace XPaste.Yolo;

/// <summary>
/// The subset of YAML that Ultralytics <c>data.yaml</c> files use, read without a YAML package: top-level
/// <c>key: value</c> scalars (plain or quoted), flow lists <c>[a, b]</c>, block lists (<c>- item</c>) and block maps
/// (<c>0: person</c>) one level deep, and comments. Other nested blocks (e.g. a <c>download:</c> script) are skipped.
/// </summary>
internal sealed class YoloDataYaml
{
    private readonly Dictionary<string, object> _values = new(StringComparer.Ordinal);

    /// <summary>The top-level keys in file order.</summary>
    public List<string> Keys { get; } = [];

    /// <summary>A scalar value, or null when absent (or not a scalar).</summary>
    public string? Scalar(string key) => _values.GetValueOrDefault(key) as string;

    /// <summary>A scalar or list value as a list (a scalar is a one-entry list); null when absent.</summary>
    public IReadOnlyList<string>? List(string key) => _values.GetValueOrDefault(key) switch
    {
        string s => [s],
        List<string> l => l,
        _ => null,
    };

    /// <summary>A block or flow map, or null when the value is not a map.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Map(string key) => _values.GetValueOrDefault(key) as List<KeyValuePair<string, string>>;

    /// <summary>Whether the key is present.</summary>
    public bool Has(string key) => _values.ContainsKey(key);

    /// <summary>Parses the text; <paramref name="name"/> names the file in errors.</summary>
    public static YoloDataYaml Parse(string text, string name)
    {
        var yaml = new YoloDataYaml();
        string[] lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string raw = StripComment(lines[i]);
            if (raw.Trim().Length == 0 || raw.TrimStart().StartsWith("---", StringComparison.Ordinal))
            {
                continue;
            }

            if (char.IsWhiteSpace(raw[0]))
            {
                continue; // inside a block of a key this reader does not model
            }

            int colon = KeyColon(raw);
            if (colon < 0)
            {
                throw Bad(name, i, $"expected 'key: value', got '{raw.Trim()}'");
            }

            string key = Unquote(raw[..colon].Trim());
            string value = raw[(colon + 1)..].Trim();
            yaml.Keys.Add(key);
            if (value.Length > 0 && value[0] is '|' or '>')
            {
                continue; // a block scalar (scripts): skipped with its indented lines
            }

            if (value.Length > 0)
            {
                yaml._values[key] = value[0] switch
                {
                    '[' => FlowList(value, name, i),
                    '{' => FlowMap(value, name, i),
                    _ => Unquote(value),
                };
                continue;
            }

            // A block: the indented lines that follow.
            var list = new List<string>();
            var map = new List<KeyValuePair<string, string>>();
            while (i + 1 < lines.Length)
            {
                string next = StripComment(lines[i + 1]);
                if (next.Trim().Length == 0)
                {
                    i++;
                    continue;
                }

                if (!char.IsWhiteSpace(next[0]) && !next.StartsWith("- ", StringComparison.Ordinal) && next != "-")
                {
                    break;
                }

                i++;
                string item = next.Trim();
                if (item.StartsWith('-'))
                {
                    list.Add(Unquote(item[1..].Trim()));
                }
                else if (KeyColon(item) is var c and >= 0)
                {
                    map.Add(new(Unquote(item[..c].Trim()), Unquote(item[(c + 1)..].Trim())));
                }
                else
                {
                    throw Bad(name, i, $"expected '- item' or 'key: value' under '{key}', got '{item}'");
                }
            }

            if (list.Count > 0 && map.Count > 0)
            {
                throw Bad(name, i, $"'{key}' mixes list items and map entries");
            }

            yaml._values[key] = map.Count > 0 ? map : list;
        }

        return yaml;
    }

    private static InvalidInputException Bad(string name, int line, string problem) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{name}:{line + 1}"), problem);

    /// <summary>The colon that ends a key (outside quotes, followed by a space or the end), or -1.</summary>
    private static int KeyColon(string line)
    {
        char quote = '\0';
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == ':' && (i + 1 == line.Length || line[i + 1] == ' '))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The line without a <c># comment</c> (a <c>#</c> outside quotes, at the start or after a space).</summary>
    private static string StripComment(string line)
    {
        char quote = '\0';
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                return line[..i].TrimEnd();
            }
        }

        return line.TrimEnd();
    }

    private static string Unquote(string value)
    {
        if (value.Length >= 2 && ((value[0] == '"' && value[^1] == '"') || (value[0] == '\'' && value[^1] == '\'')))
        {
            string inner = value[1..^1];
            return value[0] == '\'' ? inner.Replace("''", "'", StringComparison.Ordinal) : inner.Replace("\\\"", "\"", StringComparison.Ordinal);
        }

        return value;
    }

    private static List<string> SplitFlow(string value, char open, char close, string name, int line)
    {
        if (value[^1] != close)
        {
            throw Bad(name, line, $"a flow collection must end on its line with '{close}' (multi-line flow collections are not read)");
        }

        var items = new List<string>();
        var current = new StringBuilder();
        char quote = '\0';
        foreach (char c in value.AsSpan(1, value.Length - 2))
        {
            if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
                current.Append(c);
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                current.Append(c);
            }
            else if (c == ',')
            {
                items.Add(current.ToString().Trim());
                current.Clear();
            }
            else if (c is '[' or '{')
            {
                throw Bad(name, line, $"nested collections inside '{open}...{close}' are not read");
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.ToString().Trim().Length > 0 || items.Count > 0)
        {
            items.Add(current.ToString().Trim());
        }

        return items;
    }

    private static List<string> FlowList(string value, string name, int line) =>
        [.. SplitFlow(value, '[', ']', name, line).Select(Unquote)];

    private static List<KeyValuePair<string, string>> FlowMap(string value, string name, int line)
    {
        var map = new List<KeyValuePair<string, string>>();
        foreach (string entry in SplitFlow(value, '{', '}', name, line))
        {
            int c = KeyColon(entry);
            if (c < 0)
            {
                throw Bad(name, line, $"expected 'key: value' in the map, got '{entry}'");
            }

            map.Add(new(Unquote(entry[..c].Trim()), Unquote(entry[(c + 1)..].Trim())));
        }

        return map;
    }
}
