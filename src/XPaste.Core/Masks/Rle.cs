using System.Runtime.InteropServices;

namespace XPaste.Masks;

/// <summary>
/// A binary mask in COCO run-length encoding: the mask is read column by column (Fortran order) and
/// <see cref="Counts"/> holds the lengths of alternating runs of unset and set pixels, starting with an unset run
/// (zero long when the first pixel is set). Immutable; every operation gives exactly what the COCO API
/// (pycocotools' <c>maskApi.c</c>) gives: encoding, decoding, the compressed counts string, area, bounding box,
/// merge, IoU, polygon and box rasterisation.
/// </summary>
public sealed partial class Rle : IEquatable<Rle>
{
    private readonly uint[] _counts;

    /// <summary>Wraps counts that are known to be valid (they sum to <c>height * width</c>).</summary>
    private Rle(int height, int width, uint[] counts)
    {
        Height = height;
        Width = width;
        _counts = counts;
        long area = 0;
        for (int i = 1; i < counts.Length; i += 2)
        {
            area += counts[i];
        }

        Area = area;
    }

    /// <summary>Mask height in pixels.</summary>
    public int Height { get; }

    /// <summary>Mask width in pixels.</summary>
    public int Width { get; }

    /// <summary>The run lengths, column-major, starting with a run of unset pixels.</summary>
    public ReadOnlySpan<uint> Counts => _counts;

    /// <summary>The number of runs (the COCO API's <c>m</c>).</summary>
    public int RunCount => _counts.Length;

    /// <summary>The number of set pixels (the COCO API's <c>area</c>).</summary>
    public long Area { get; }

    /// <summary>
    /// The bounding box exactly as the COCO API's <c>toBbox</c> (<c>rleToBbox</c>) gives it: <c>[x, y, w, h]</c> of the set
    /// pixels, all zero for an empty mask; a run that spans more than one column makes the box span every row.
    /// </summary>
    public CocoBox BoundingBox => ComputeBox();

    /// <summary>An all-unset mask.</summary>
    /// <param name="height">Mask height.</param>
    /// <param name="width">Mask width.</param>
    public static Rle Empty(int height, int width)
    {
        CheckSize(height, width);
        return new Rle(height, width, [checked((uint)height * (uint)width)]);
    }

    /// <summary>An all-set mask.</summary>
    /// <param name="height">Mask height.</param>
    /// <param name="width">Mask width.</param>
    public static Rle Full(int height, int width)
    {
        CheckSize(height, width);
        long pixels = (long)height * width;
        return new Rle(height, width, pixels == 0 ? [0] : [0, (uint)pixels]);
    }

    /// <summary>Validates and wraps uncompressed counts (the COCO <c>{"size": [h, w], "counts": [...]}</c> form).</summary>
    /// <param name="height">Mask height.</param>
    /// <param name="width">Mask width.</param>
    /// <param name="counts">Run lengths, column-major, starting with an unset run.</param>
    /// <exception cref="InvalidRleException">The counts do not sum to <c>height * width</c>.</exception>
    public static Rle FromCounts(int height, int width, ReadOnlySpan<uint> counts)
    {
        CheckSize(height, width);
        string? problem = CheckSum(counts, height, width);
        return problem is null ? new Rle(height, width, counts.ToArray()) : throw new InvalidRleException("RLE", problem);
    }

    /// <summary>Validates and wraps uncompressed counts given as signed numbers (as JSON gives them).</summary>
    /// <param name="height">Mask height.</param>
    /// <param name="width">Mask width.</param>
    /// <param name="counts">Run lengths, column-major, starting with an unset run.</param>
    /// <exception cref="InvalidRleException">A count is negative or above 2^32 - 1, or the counts do not sum to <c>height * width</c>.</exception>
    public static Rle FromCounts(int height, int width, ReadOnlySpan<long> counts)
    {
        CheckSize(height, width);
        string? problem = TryFromCounts(height, width, counts, out Rle? rle);
        return problem is null ? rle! : throw new InvalidRleException("RLE", problem);
    }

    /// <summary>Encodes a row-major mask (<c>mask[y * width + x]</c>, non-zero = set).</summary>
    /// <param name="rowMajor">The mask, <c>height * width</c> bytes.</param>
    /// <param name="height">Mask height.</param>
    /// <param name="width">Mask width.</param>
    public static Rle Encode(ReadOnlySpan<byte> rowMajor, int height, int width)
    {
        CheckBuffer(rowMajor.Length, height, width, nameof(rowMajor));
        return new Rle(height, width, RowMajorRunLength.Encode(rowMajor, height, width));
    }

    /// <summary>Encodes a row-major boolean mask (<c>mask[y * width + x]</c>).</summary>
    /// <param name="rowMajor">The mask, <c>height * width</c> values.</param>
    /// <param name="height">Mask height.</param>
    /// <param name="width">Mask width.</param>
    public static Rle Encode(ReadOnlySpan<bool> rowMajor, int height, int width) =>
        Encode(MemoryMarshal.AsBytes(rowMajor), height, width);

    /// <summary>Encodes a column-major mask (<c>mask[x * height + y]</c>, non-zero = set), the COCO API's own layout.</summary>
    /// <param name="columnMajor">The mask, <c>height * width</c> bytes.</param>
    /// <param name="height">Mask height.</param>
    /// <param name="width">Mask width.</param>
    public static Rle EncodeColumnMajor(ReadOnlySpan<byte> columnMajor, int height, int width)
    {
        CheckBuffer(columnMajor.Length, height, width, nameof(columnMajor));
        return new Rle(height, width, RunLength.Encode(columnMajor));
    }

    /// <summary>Decodes to a new row-major mask of 0/1 bytes (<c>mask[y * width + x]</c>).</summary>
    public byte[] Decode()
    {
        var mask = new byte[(long)Height * Width];
        Decode(mask);
        return mask;
    }

    /// <summary>Decodes into a row-major buffer of <c>height * width</c> bytes, writing 0 or 1 to every pixel.</summary>
    /// <param name="rowMajor">The destination.</param>
    public void Decode(Span<byte> rowMajor)
    {
        CheckBuffer(rowMajor.Length, Height, Width, nameof(rowMajor));
        RowMajorRunLength.Decode(_counts, rowMajor, Height, Width);
    }

    /// <summary>Decodes into a column-major buffer (<c>mask[x * height + y]</c>), writing 0 or 1 to every pixel.</summary>
    /// <param name="columnMajor">The destination, <c>height * width</c> bytes.</param>
    public void DecodeColumnMajor(Span<byte> columnMajor)
    {
        CheckBuffer(columnMajor.Length, Height, Width, nameof(columnMajor));
        RunLength.Decode(_counts, columnMajor);
    }

    /// <inheritdoc/>
    public bool Equals(Rle? other) =>
        other is not null && Height == other.Height && Width == other.Width && Counts.SequenceEqual(other.Counts);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Rle);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Height);
        hash.Add(Width);
        hash.AddBytes(MemoryMarshal.AsBytes(Counts));
        return hash.ToHashCode();
    }

    /// <summary>A short description: size, runs and area.</summary>
    public override string ToString() => $"Rle {Height}x{Width}, {RunCount} runs, area {Area}";

    /// <summary>Wraps counts built by this library's own algorithms (valid by construction).</summary>
    internal static Rle FromTrustedCounts(int height, int width, uint[] counts) => new(height, width, counts);

    /// <summary>Validates signed counts without throwing: returns the problem, or null and the RLE.</summary>
    internal static string? TryFromCounts(int height, int width, ReadOnlySpan<long> counts, out Rle? rle)
    {
        rle = null;
        var values = new uint[counts.Length];
        for (int i = 0; i < counts.Length; i++)
        {
            long c = counts[i];
            if (c < 0)
            {
                return $"RLE count {i} is negative ({c})";
            }

            if (c > uint.MaxValue)
            {
                return $"RLE count {i} ({c}) is larger than 2^32 - 1";
            }

            values[i] = (uint)c;
        }

        string? problem = CheckSum(values, height, width);
        if (problem is null)
        {
            rle = new Rle(height, width, values);
        }

        return problem;
    }

    private static string? CheckSum(ReadOnlySpan<uint> counts, int height, int width)
    {
        long sum = 0;
        foreach (uint c in counts)
        {
            sum += c;
        }

        long pixels = (long)height * width;
        return sum == pixels ? null : $"RLE counts sum to {sum} but a {height}x{width} mask has {pixels} pixels";
    }

    internal static void CheckSize(int height, int width)
    {
        if (height < 0 || width < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(height), $"mask size {height}x{width} is negative");
        }

        if ((long)height * width > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(height), $"mask size {height}x{width} has more than {Array.MaxLength} pixels");
        }
    }

    private static void CheckBuffer(int length, int height, int width, string name)
    {
        CheckSize(height, width);
        if (length != (long)height * width)
        {
            throw new ArgumentException($"a {height}x{width} mask needs {(long)height * width} bytes, got {length}", name);
        }
    }

    private CocoBox ComputeBox()
    {
        // Same arithmetic as rleToBbox, unsigned wrap-around included, so odd inputs give the COCO API's answer.
        int m = _counts.Length / 2 * 2;
        uint h = (uint)Height;
        if (m == 0 || h == 0)
        {
            return default;
        }

        uint xs = (uint)Width, ys = h, xe = 0, ye = 0, cc = 0, xp = 0;
        for (int j = 0; j < m; j++)
        {
            cc += _counts[j];
            uint t = cc - (uint)(j % 2);
            uint y = t % h;
            uint x = (t - y) / h;
            if (j % 2 == 0)
            {
                xp = x;
            }
            else if (xp < x)
            {
                ys = 0;
                ye = h - 1;
            }

            xs = Math.Min(xs, x);
            xe = Math.Max(xe, x);
            ys = Math.Min(ys, y);
            ye = Math.Max(ye, y);
        }

        return new CocoBox(xs, ys, xe - xs + 1, ye - ys + 1);
    }
}
