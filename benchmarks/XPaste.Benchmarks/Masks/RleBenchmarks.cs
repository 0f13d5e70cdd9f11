using BenchmarkDotNet.Attributes;
using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Benchmarks.Masks;

/// <summary>
/// Bulk COCO RLE encoding of 64 object-like masks of 640x640 (a training batch's worth): the naive per-pixel
/// transpose-and-count loop against the span codec and the tensor bulk path, plus bulk decoding.
/// </summary>
[MemoryDiagnoser]
public class RleBenchmarks
{
    private const int Count = 64, Height = 640, Width = 640;
    private byte[][] _rowMajor = [];
    private Tensor _masks = null!;
    private Rle[] _rles = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _rowMajor = new byte[Count][];
        var flat = new byte[Count * Height * Width];
        for (int i = 0; i < Count; i++)
        {
            // An ellipse with a hole: a few hundred runs per mask, like real instance masks.
            double cx = random.Next(100, 540), cy = random.Next(100, 540), rx = random.Next(20, 200), ry = random.Next(20, 200);
            var mask = new byte[Height * Width];
            for (int y = 0; y < Height; y++)
            {
                for (int x = 0; x < Width; x++)
                {
                    double dx = (x - cx) / rx, dy = (y - cy) / ry, r = (dx * dx) + (dy * dy);
                    mask[(y * Width) + x] = r <= 1 && r >= 0.1 ? (byte)1 : (byte)0;
                }
            }

            _rowMajor[i] = mask;
            mask.CopyTo(flat, i * Height * Width);
        }

        _masks = tensor(flat, [Count, Height, Width], ScalarType.Byte).ne(0);
        _rles = MaskCodec.Encode(_masks);
    }

    [GlobalCleanup]
    public void Cleanup() => _masks.Dispose();

    /// <summary>The obvious port: walk the row-major array column by column, one element at a time.</summary>
    [Benchmark(Baseline = true)]
    public int NaivePerPixel()
    {
        int runs = 0;
        foreach (byte[] mask in _rowMajor)
        {
            var counts = new List<uint>();
            byte previous = 0;
            uint run = 0;
            for (int x = 0; x < Width; x++)
            {
                for (int y = 0; y < Height; y++)
                {
                    byte v = mask[(y * Width) + x];
                    if (v != previous)
                    {
                        counts.Add(run);
                        run = 0;
                        previous = v;
                    }

                    run++;
                }
            }

            counts.Add(run);
            runs += counts.Count;
        }

        return runs;
    }

    /// <summary><see cref="Rle.Encode(ReadOnlySpan{byte}, int, int)"/> mask by mask on one thread (tiled transpose + vectorised run search).</summary>
    [Benchmark]
    public int SpanCodecSequential()
    {
        int runs = 0;
        foreach (byte[] mask in _rowMajor)
        {
            runs += Rle.Encode(mask, Height, Width).RunCount;
        }

        return runs;
    }

    /// <summary><see cref="MaskCodec.Encode"/>: one tensor transpose, then one pass per mask, masks in parallel.</summary>
    [Benchmark]
    public int TensorBulkEncode()
    {
        int runs = 0;
        foreach (Rle rle in MaskCodec.Encode(_masks))
        {
            runs += rle.RunCount;
        }

        return runs;
    }

    /// <summary>
    /// The alternative bulk design: transpose the batch to column-major on the tensor side, then scan each mask's
    /// column-major bytes for runs (masks in parallel). Kept to compare with <see cref="TensorBulkEncode"/>.
    /// </summary>
    [Benchmark]
    public int TensorTransposeThenColumnScan()
    {
        using Tensor columnMajor = _masks.transpose(1, 2).contiguous();
        int pixels = Height * Width;
        var runs = new int[Count];
        unsafe
        {
            nint address;
            fixed (byte* pinned = columnMajor.bytes)
            {
                address = (nint)pinned;
            }

            Parallel.For(0, Count, i =>
            {
                var mask = new ReadOnlySpan<byte>((byte*)address + ((long)i * pixels), pixels);
                runs[i] = RunLength.Encode(mask).Length;
            });
        }

        return runs.Sum();
    }

    /// <summary><see cref="MaskCodec.Decode(IReadOnlyList{Rle}, Device?)"/> of the 64 masks back to a bool tensor.</summary>
    [Benchmark]
    public long TensorBulkDecode()
    {
        using Tensor decoded = MaskCodec.Decode(_rles);
        return decoded.shape[0];
    }
}
