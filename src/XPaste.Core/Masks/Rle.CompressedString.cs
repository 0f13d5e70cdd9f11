namespace XPaste.Masks;

// COCO's compressed counts string: each count (from the fourth on, its difference to the count two places before)
// in little-endian groups of 5 bits, sign-extended from the last group's top bit; a character is 48 + 6 bits, the
// sixth (0x20) saying "more groups follow".
public sealed partial class Rle
{
    private const int FirstCharacter = 48;
    private const int LastCharacter = FirstCharacter + 63;

    /// <summary>
    /// The compressed counts string of the COCO API (<c>rleToString</c>, the <c>counts</c> of a compressed RLE in COCO
    /// JSON).
    /// </summary>
    public string ToCompressedString()
    {
        // At most 7 characters per 32-bit difference (35 bits with the sign).
        char[] buffer = new char[(_counts.Length * 7) + 1];
        int p = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            long x = _counts[i];
            if (i > 2)
            {
                x -= _counts[i - 2];
            }

            bool more = true;
            while (more)
            {
                int c = (int)(x & 0x1f);
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more)
                {
                    c |= 0x20;
                }

                buffer[p++] = (char)(c + FirstCharacter);
            }
        }

        return new string(buffer, 0, p);
    }

    /// <summary>Parses a compressed counts string (the COCO API's <c>rleFrString</c>) and validates it.</summary>
    /// <param name="counts">The compressed string.</param>
    /// <param name="height">Mask height.</param>
    /// <param name="width">Mask width.</param>
    /// <exception cref="InvalidRleException">
    /// The string has a character outside <c>'0'</c>..<c>'o'</c>, ends in the middle of a number, decodes to a negative
    /// or oversized count, or its counts do not sum to <c>height * width</c>.
    /// </exception>
    public static Rle FromCompressedString(string counts, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(counts);
        CheckSize(height, width);
        string? problem = TryFromCompressedString(counts, height, width, out Rle? rle);
        return problem is null ? rle! : throw new InvalidRleException("RLE", problem);
    }

    /// <summary>Parses and validates without throwing: returns the problem, or null and the RLE.</summary>
    internal static string? TryFromCompressedString(string s, int height, int width, out Rle? rle)
    {
        rle = null;
        long[] values = new long[s.Length];
        int m = 0;
        int p = 0;
        while (p < s.Length)
        {
            long x = 0;
            int k = 0;
            bool more = true;
            while (more)
            {
                if (p >= s.Length)
                {
                    return $"compressed RLE string ends in the middle of a number (count {m})";
                }

                char ch = s[p];
                if (ch < FirstCharacter || ch > LastCharacter)
                {
                    return $"compressed RLE string has an invalid character '{ch}' (U+{(int)ch:X4}) at position {p}; " +
                        $"only '{(char)FirstCharacter}' to '{(char)LastCharacter}' can occur";
                }

                if (k == 12)
                {
                    return $"compressed RLE string has a number longer than 12 characters at position {p} (count {m})";
                }

                int c = ch - FirstCharacter;
                x |= (long)(c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0)
                {
                    x |= -1L << (5 * k);
                }
            }

            if (m > 2)
            {
                x += values[m - 2];
            }

            values[m++] = x;
        }

        return TryFromCounts(height, width, values.AsSpan(0, m), out rle);
    }
}
