using System.Buffers;

namespace XPaste.Masks;

/// <summary>Run-length coding of flat byte masks (already in column-major order), vectorised by span searches.</summary>
internal static class RunLength
{
    /// <summary>
    /// Runs of zero / non-zero bytes, starting with a zero run (empty when the first byte is set), as
    /// <c>rleEncode</c>: an empty mask gives <c>[0]</c>, every run after the first is at least 1 long.
    /// </summary>
    public static uint[] Encode(ReadOnlySpan<byte> mask)
    {
        if (mask.IsEmpty)
        {
            return [0];
        }

        // Most masks have few runs; start small and grow from the pool.
        uint[] buffer = ArrayPool<uint>.Shared.Rent(Math.Min(mask.Length + 1, 1024));
        int count = 0;
        try
        {
            int position = 0;
            bool set = false;
            while (position < mask.Length)
            {
                ReadOnlySpan<byte> rest = mask[position..];
                int next = set ? rest.IndexOf((byte)0) : rest.IndexOfAnyExcept((byte)0);
                int length = next < 0 ? rest.Length : next;
                if (count == buffer.Length)
                {
                    buffer = Grow(buffer, count, mask.Length + 1);
                }

                buffer[count++] = (uint)length;
                position += length;
                set = !set;
            }

            return buffer.AsSpan(0, count).ToArray();
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes 0/1 bytes for the runs; the counts must sum to <c>mask.Length</c>.</summary>
    public static void Decode(ReadOnlySpan<uint> counts, Span<byte> mask)
    {
        int position = 0;
        byte value = 0;
        foreach (uint c in counts)
        {
            mask.Slice(position, (int)c).Fill(value);
            position += (int)c;
            value ^= 1;
        }
    }

    private static uint[] Grow(uint[] buffer, int count, int limit)
    {
        uint[] larger = ArrayPool<uint>.Shared.Rent((int)Math.Min((long)buffer.Length * 4, limit));
        buffer.AsSpan(0, count).CopyTo(larger);
        ArrayPool<uint>.Shared.Return(buffer);
        return larger;
    }
}
