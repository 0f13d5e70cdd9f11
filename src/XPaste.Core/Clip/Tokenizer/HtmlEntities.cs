using System.Globalization;
using System.Net;
using System.Text;

namespace XPaste.Clip;

/// <summary>
/// Python's <c>html.unescape</c>: numeric references with or without the semicolon (C1 code points mapped as
/// Windows-1252, invalid ones replaced or dropped like Python), named references, and the HTML5 rule that the
/// legacy Latin-1 names also match without a semicolon and as a prefix (<c>&amp;ampx</c> is <c>&amp;x</c>).
/// Named references with a semicolon are resolved through <see cref="WebUtility.HtmlDecode(string)"/>, which knows
/// the HTML 4 set (plus <c>&amp;apos;</c>); the rarer HTML5-only names are left as written.
/// </summary>
internal static class HtmlEntities
{
    // HTML 4 Latin-1 entity names for U+00A0..U+00FF, in code point order.
    private static readonly string[] Latin1Names =
    [
        "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf", "laquo", "not", "shy",
        "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot", "cedil", "sup1", "ordm",
        "raquo", "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig",
        "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve",
        "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN",
        "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil", "egrave", "eacute", "ecirc",
        "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml",
        "divide", "oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
    ];

    // The names HTML5 also accepts without a semicolon.
    private static readonly Dictionary<string, string> LegacyNames = BuildLegacyNames();

    // Python's _invalid_charrefs: NUL, CR and the C1 range read as Windows-1252.
    private static readonly Dictionary<int, string> InvalidCharRefs = new()
    {
        [0x00] = "\uFFFD", [0x0D] = "\r", [0x80] = "\u20AC", [0x81] = "\u0081", [0x82] = "\u201A", [0x83] = "\u0192",
        [0x84] = "\u201E", [0x85] = "\u2026", [0x86] = "\u2020", [0x87] = "\u2021", [0x88] = "\u02C6", [0x89] = "\u2030",
        [0x8A] = "\u0160", [0x8B] = "\u2039", [0x8C] = "\u0152", [0x8D] = "\u008D", [0x8E] = "\u017D", [0x8F] = "\u008F",
        [0x90] = "\u0090", [0x91] = "\u2018", [0x92] = "\u2019", [0x93] = "\u201C", [0x94] = "\u201D", [0x95] = "\u2022",
        [0x96] = "\u2013", [0x97] = "\u2014", [0x98] = "\u02DC", [0x99] = "\u2122", [0x9A] = "\u0161", [0x9B] = "\u203A",
        [0x9C] = "\u0153", [0x9D] = "\u009D", [0x9E] = "\u017E", [0x9F] = "\u0178",
    };

    /// <summary>Replaces every character reference in <paramref name="text"/>.</summary>
    public static string Unescape(string text)
    {
        if (!text.Contains('&', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c != '&' || i + 1 >= text.Length)
            {
                result.Append(c);
                i++;
                continue;
            }

            int consumed = text[i + 1] == '#' ? Numeric(text, i, result) : Named(text, i, result);
            if (consumed == 0)
            {
                result.Append('&');
                i++;
            }
            else
            {
                i += consumed;
            }
        }

        return result.ToString();
    }

    // &#123; &#x1F600; (semicolon optional). Returns the characters consumed, 0 if this is no reference.
    private static int Numeric(string text, int start, StringBuilder result)
    {
        int i = start + 2;
        bool hex = i < text.Length && (text[i] == 'x' || text[i] == 'X');
        if (hex)
        {
            i++;
        }

        int digitsStart = i;
        while (i < text.Length && (hex ? char.IsAsciiHexDigit(text[i]) : char.IsAsciiDigit(text[i])))
        {
            i++;
        }

        if (i == digitsStart)
        {
            return 0;
        }

        string digits = text[digitsStart..i].TrimStart('0');
        if (i < text.Length && text[i] == ';')
        {
            i++;
        }

        // Python's integers are unbounded: anything too long to parse is beyond U+10FFFF anyway.
        long number = digits.Length == 0 ? 0
            : digits.Length > 8 ? long.MaxValue
            : long.Parse(digits, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture);
        result.Append(FromCodePoint(number));
        return i - start;
    }

    private static string FromCodePoint(long number)
    {
        if (number <= int.MaxValue && InvalidCharRefs.TryGetValue((int)number, out string? mapped))
        {
            return mapped;
        }

        if (number is (>= 0xD800 and <= 0xDFFF) or > 0x10FFFF)
        {
            return "\uFFFD";
        }

        int cp = (int)number;
        bool invalid = cp is (>= 0x1 and <= 0x8) or 0xB or (>= 0xE and <= 0x1F) or (>= 0x7F and <= 0x9F) or (>= 0xFDD0 and <= 0xFDEF)
            || (cp & 0xFFFE) == 0xFFFE;
        return invalid ? "" : char.ConvertFromUtf32(cp);
    }

    // &name; or a legacy name without the semicolon, possibly as a prefix of a longer run.
    private static int Named(string text, int start, StringBuilder result)
    {
        // Python's pattern: up to 32 characters other than tab, newline, form feed, space, '<', '&', '#', ';'.
        int i = start + 1;
        while (i < text.Length && i - start - 1 < 32 && text[i] is not ('\t' or '\n' or '\f' or ' ' or '<' or '&' or '#' or ';'))
        {
            i++;
        }

        if (i == start + 1)
        {
            return 0;
        }

        string name = text[(start + 1)..i];
        bool semicolon = i < text.Length && text[i] == ';';
        if (semicolon)
        {
            string decoded = WebUtility.HtmlDecode("&" + name + ";");
            if (decoded != "&" + name + ";")
            {
                result.Append(decoded);
                return i + 1 - start;
            }

            // Every legacy name also exists with a semicolon in HTML5 (e.g. &AMP;, unknown to HTML 4).
            if (LegacyNames.TryGetValue(name, out string? withSemicolon))
            {
                result.Append(withSemicolon);
                return i + 1 - start;
            }
        }

        if (LegacyNames.TryGetValue(name, out string? whole))
        {
            result.Append(whole);
            return i - start;
        }

        // Longest legacy prefix wins; the rest of the run stays as text.
        for (int length = name.Length - 1; length >= 2; length--)
        {
            if (LegacyNames.TryGetValue(name[..length], out string? prefix))
            {
                result.Append(prefix);
                return 1 + length;
            }
        }

        return 0;
    }

    private static Dictionary<string, string> BuildLegacyNames()
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["amp"] = "&", ["AMP"] = "&", ["lt"] = "<", ["LT"] = "<", ["gt"] = ">", ["GT"] = ">",
            ["quot"] = "\"", ["QUOT"] = "\"", ["COPY"] = "\u00A9", ["REG"] = "\u00AE",
        };
        for (int k = 0; k < Latin1Names.Length; k++)
        {
            names[Latin1Names[k]] = ((char)(0xA0 + k)).ToString();
        }

        return names;
    }
}
