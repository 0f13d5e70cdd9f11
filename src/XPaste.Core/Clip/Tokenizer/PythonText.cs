using System.Globalization;
using System.Text;

namespace XPaste.Clip;

/// <summary>
/// The few pieces of Python 3 string semantics the CLIP tokenizer depends on, reproduced exactly where .NET differs:
/// <c>str.isspace</c> (which also counts U+001C..U+001F), <c>str.lower</c> (full case mapping: U+0130 becomes two
/// characters, and capital sigma becomes final sigma at the end of a word) and Unicode letter/number classes on
/// code points rather than UTF-16 units (so letters outside the BMP stay letters).
/// </summary>
internal static class PythonText
{
    /// <summary>Python's <c>str.isspace()</c> for one code point (the set <c>re</c>'s <c>\s</c> and <c>str.strip()</c> use).</summary>
    public static bool IsSpace(int codePoint) => codePoint switch
    {
        >= 0x09 and <= 0x0D => true,
        >= 0x1C and <= 0x20 => true,
        0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    /// <summary><c>\p{L}</c>: any letter category.</summary>
    public static bool IsLetter(Rune rune) => Rune.GetUnicodeCategory(rune) is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
        or UnicodeCategory.OtherLetter;

    /// <summary><c>\p{N}</c>: any number category.</summary>
    public static bool IsNumber(Rune rune) => Rune.GetUnicodeCategory(rune) is UnicodeCategory.DecimalDigitNumber
        or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary><c>re.sub(r'\s+', ' ', text).strip()</c>.</summary>
    public static string CollapseWhitespace(string text)
    {
        var result = new StringBuilder(text.Length);
        bool pendingSpace = false;
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (IsSpace(rune.Value))
            {
                pendingSpace = result.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                result.Append(' ');
                pendingSpace = false;
            }

            result.Append(rune.ToString());
        }

        return result.ToString();
    }

    /// <summary><c>str.strip()</c>.</summary>
    public static string Strip(string text)
    {
        int start = 0, end = text.Length;
        while (start < end && IsSpace(text[start]))
        {
            start++;
        }

        while (end > start && IsSpace(text[end - 1]))
        {
            end--;
        }

        return text[start..end];
    }

    /// <summary><c>str.lower()</c>: Unicode full lower-case mapping with the Final_Sigma context.</summary>
    public static string Lower(string text)
    {
        Rune[] runes = text.EnumerateRunes().ToArray();
        var result = new StringBuilder(text.Length);
        for (int i = 0; i < runes.Length; i++)
        {
            Rune rune = runes[i];
            switch (rune.Value)
            {
                case 0x0130:
                    // The only unconditional one-to-many lower-case mapping in SpecialCasing.txt.
                    result.Append("i\u0307");
                    break;
                case 0x03A3:
                    result.Append(IsFinalSigma(runes, i) ? '\u03C2' : '\u03C3');
                    break;
                default:
                    result.Append(Rune.ToLowerInvariant(rune).ToString());
                    break;
            }
        }

        return result.ToString();
    }

    // Final_Sigma: preceded by a cased letter (skipping case-ignorables) and not followed by one.
    private static bool IsFinalSigma(Rune[] runes, int index)
    {
        int j = index - 1;
        while (j >= 0 && IsCaseIgnorable(runes[j]))
        {
            j--;
        }

        if (j < 0 || !IsCased(runes[j]))
        {
            return false;
        }

        j = index + 1;
        while (j < runes.Length && IsCaseIgnorable(runes[j]))
        {
            j++;
        }

        return j == runes.Length || !IsCased(runes[j]);
    }

    // Approximates the Unicode Cased property by the cased letter categories.
    private static bool IsCased(Rune rune) => Rune.GetUnicodeCategory(rune) is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    // Case_Ignorable: Mn, Me, Cf, Lm, Sk and the Word_Break MidLetter/MidNumLet/Single_Quote characters.
    private static bool IsCaseIgnorable(Rune rune)
    {
        switch (rune.Value)
        {
            case '\'' or '.' or ':' or '^' or '`' or 0xB7 or 0x387 or 0x55F or 0x5F4 or 0x2018 or 0x2019 or 0x2024 or 0x2027
                or 0xFE13 or 0xFE52 or 0xFE55 or 0xFF07 or 0xFF0E or 0xFF1A:
                return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
    }
}
