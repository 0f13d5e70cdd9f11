using System.Text;

namespace XPaste.Clip;

/// <summary>
/// CLIP's text normalisation before BPE: <c>whitespace_clean(basic_clean(text)).lower()</c> of OpenAI's
/// <c>simple_tokenizer.py</c>. <c>basic_clean</c> runs <c>ftfy.fix_text</c> and then <c>html.unescape</c> twice;
/// ftfy's mojibake repair has no .NET equivalent and is not done, but its cheap, deterministic fixes that change
/// ordinary prompts are: curly quotes to straight ones, Latin ligatures and full-width forms expanded, NFC
/// normalisation, removal of invisible control characters, and its own HTML unescape (when the text has no
/// <c>&lt;</c>).
/// </summary>
internal static class ClipTextCleaner
{
    /// <summary>The text exactly as the BPE pre-tokeniser sees it.</summary>
    public static string Clean(string text)
    {
        text = FtfyLite(text);
        text = HtmlEntities.Unescape(HtmlEntities.Unescape(text));
        text = PythonText.Strip(text);
        text = PythonText.CollapseWhitespace(text);
        return PythonText.Lower(text);
    }

    private static string FtfyLite(string text)
    {
        // ftfy decodes HTML entities itself unless the text looks like HTML (contains '<').
        if (!text.Contains('<', StringComparison.Ordinal))
        {
            text = HtmlEntities.Unescape(text);
        }

        // In ftfy's order: ligatures and character width, then quotes, then control characters, then NFC.
        var wide = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c == '\u3000')
            {
                wide.Append(' ');
            }
            else if (c is '\u0132' or '\u0133' or '\u0149' or (>= '\u01C4' and <= '\u01CC') or (>= '\u01F1' and <= '\u01F3')
                     or (>= '\uFB00' and <= '\uFB06') or (>= '\uFF01' and <= '\uFFEF'))
            {
                wide.Append(c.ToString().Normalize(NormalizationForm.FormKC));
            }
            else
            {
                wide.Append(c);
            }
        }

        var result = new StringBuilder(wide.Length);
        foreach (char c in wide.ToString())
        {
            switch (c)
            {
                case '\u02BC' or (>= '\u2018' and <= '\u201B'):
                    result.Append('\'');
                    break;
                case >= '\u201C' and <= '\u201F':
                    result.Append('"');
                    break;
                case (>= '\u0000' and <= '\u0008') or '\u000B' or (>= '\u000E' and <= '\u001F') or '\u007F'
                    or (>= '\u206A' and <= '\u206F') or '\uFEFF' or (>= '\uFFF9' and <= '\uFFFC'):
                    // Invisible control characters ftfy removes (tab, newline, form feed and CR stay).
                    break;
                default:
                    result.Append(c);
                    break;
            }
        }

        return result.ToString().Normalize(NormalizationForm.FormC);
    }
}
