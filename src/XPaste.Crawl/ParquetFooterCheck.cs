namespace XPaste.Crawl;

/// <summary>
/// Walks a parquet file's footer (Thrift compact protocol) before Parquet.Net parses it, so a malformed footer is
/// refused at once: Parquet.Net skips a list element by element whatever count the file claims, and a mutated
/// count of two billion zero-byte elements keeps it spinning for many minutes (found by the URL-list fuzz target).
/// Here every count is checked against the bytes left, so the walk is bounded by the footer's length. A footer that
/// is well-formed Thrift can still be read past its end by Parquet.Net, which reads each known field by its schema type
/// whatever type the file gives it (and spins at the end of its buffer): <see cref="ParquetFooterParse"/> then parses
/// it as Parquet.Net will, over a buffer that throws at its end.
/// </summary>
internal static class ParquetFooterCheck
{
    private const int MaxDepth = 64;

    /// <summary>Null when the footer is a well-formed Thrift struct, else what is wrong with it.</summary>
    /// <param name="stream">The whole parquet file, seekable.</param>
    public static string? Problem(Stream stream)
    {
        if (stream.Length < 12)
        {
            return "too short for a parquet file";
        }

        Span<byte> tail = stackalloc byte[8];
        stream.Seek(-8, SeekOrigin.End);
        stream.ReadExactly(tail);
        if (tail[4] != 'P' || tail[5] != 'A' || tail[6] != 'R' || tail[7] != '1')
        {
            return "does not end with the parquet magic PAR1";
        }

        long length = BitConverter.ToUInt32(tail[..4]);
        if (length == 0 || length > stream.Length - 12)
        {
            return $"claims a {length}-byte footer in a {stream.Length}-byte file";
        }

        byte[] footer = new byte[length];
        stream.Seek(-8 - length, SeekOrigin.End);
        stream.ReadExactly(footer);
        stream.Seek(0, SeekOrigin.Begin);
        var reader = new Reader(footer);
        if (!reader.SkipStruct(0))
        {
            return $"has a malformed footer ({reader.Problem})";
        }

        return ParquetFooterParse.Problem(footer) is { } problem ? $"has a malformed footer ({problem})" : null;
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _at;

        public string Problem { get; private set; } = "";

        private readonly int Left => _bytes.Length - _at;

        public bool SkipStruct(int depth)
        {
            if (depth > MaxDepth)
            {
                return Fail("structures nested too deeply");
            }

            while (true)
            {
                if (!Byte(out byte header))
                {
                    return false;
                }

                int type = header & 0x0F;
                if (type == 0)
                {
                    return true;
                }

                if (header >> 4 == 0 && !Varint(out _))
                {
                    return false;
                }

                if (!Skip(type, depth, inList: false))
                {
                    return false;
                }
            }
        }

        private bool Skip(int type, int depth, bool inList)
        {
            switch (type)
            {
                case 1 or 2:
                    // A boolean field carries its value in the type; a boolean list element takes a byte.
                    return !inList || Advance(1);
                case 3:
                    return Advance(1);
                case 4 or 5 or 6:
                    return Varint(out _);
                case 7:
                    return Advance(8);
                case 8:
                    return Varint(out ulong size) && (size <= (ulong)Left ? Advance((int)size) : Fail($"a {size}-byte value with {Left} bytes left"));
                case 9 or 10:
                    return SkipList(depth);
                case 11:
                    return SkipMap(depth);
                case 12:
                    return SkipStruct(depth + 1);
                default:
                    return Fail($"unknown field type {type}");
            }
        }

        private bool SkipList(int depth)
        {
            if (!Byte(out byte header))
            {
                return false;
            }

            ulong count = (ulong)(header >> 4);
            if (count == 15 && !Varint(out count))
            {
                return false;
            }

            // Every element takes at least one byte (booleans in a list included), so a larger count is a lie.
            if (count > (ulong)Left)
            {
                return Fail($"a list of {count} elements with {Left} bytes left");
            }

            int type = header & 0x0F;
            for (ulong i = 0; i < count; i++)
            {
                if (!Skip(type, depth + 1, inList: true))
                {
                    return false;
                }
            }

            return true;
        }

        private bool SkipMap(int depth)
        {
            if (!Varint(out ulong count))
            {
                return false;
            }

            if (count == 0)
            {
                return true;
            }

            if (count > (ulong)Left || !Byte(out byte types))
            {
                return Fail($"a map of {count} entries with {Left} bytes left");
            }

            for (ulong i = 0; i < count; i++)
            {
                if (!Skip(types >> 4, depth + 1, inList: true) || !Skip(types & 0x0F, depth + 1, inList: true))
                {
                    return false;
                }
            }

            return true;
        }

        private bool Varint(out ulong value)
        {
            value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (!Byte(out byte b))
                {
                    return false;
                }

                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return true;
                }
            }

            return Fail("a number longer than 10 bytes");
        }

        private bool Byte(out byte value)
        {
            value = 0;
            if (Left < 1)
            {
                return Fail("it ends inside a structure");
            }

            value = _bytes[_at++];
            return true;
        }

        private bool Advance(int count)
        {
            if (count > Left)
            {
                return Fail("it ends inside a value");
            }

            _at += count;
            return true;
        }

        private bool Fail(string problem)
        {
            Problem = problem;
            return false;
        }
    }
}
