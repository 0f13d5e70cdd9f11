using BenchmarkDotNet.Attributes;
using XPaste.Extraction;
using static TorchSharp.torch;

namespace XPaste.Benchmarks.Extraction;

/// <summary>
/// Largest connected component + hole filling on a 512x512 mask: the run-based union-find of
/// <see cref="InstancePostProcessor"/> against a textbook BFS with a <see cref="Queue{T}"/> over a 2D array.
/// Both produce the full-size kept mask.
/// </summary>
[MemoryDiagnoser]
public class PostProcessBenchmarks
{
    private const int Size = 512;
    private static readonly (int Dy, int Dx)[] FourSteps = [(-1, 0), (1, 0), (0, -1), (0, 1)];
    private byte[] _mask = [];
    private byte[] _output = [];
    private Tensor? _image;
    private Tensor? _maskTensor;
    private readonly InstancePostProcessor _processor = new(new() { MinArea = 0, MaxArea = 1 });

    /// <summary>
    /// <c>object</c>: one large blob with holes, a bay and a few specks (a typical segmenter output);
    /// <c>speckled</c>: the same plus 2% salt noise, i.e. thousands of tiny components.
    /// </summary>
    [Params("object", "speckled")]
    public string Kind { get; set; } = "object";

    [GlobalSetup]
    public void Setup()
    {
        _mask = new byte[Size * Size];
        var random = new Random(42);
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                double dx = (x - 250) / 190.0, dy = (y - 270) / 150.0;
                bool inside = (dx * dx) + (dy * dy) < 1;
                bool hole = Math.Pow((x - 200) / 40.0, 2) + Math.Pow((y - 250) / 30.0, 2) < 1
                            || Math.Pow((x - 320) / 25.0, 2) + Math.Pow((y - 300) / 45.0, 2) < 1;
                bool bay = x > 400 && Math.Abs(y - 270) < 12;
                _mask[(y * Size) + x] = (byte)(inside && !hole && !bay ? 230 : 10);
            }
        }

        for (int i = 0; i < 30; i++)
        {
            _mask[random.Next(_mask.Length)] = 255;
        }

        if (Kind == "speckled")
        {
            for (int i = 0; i < _mask.Length / 50; i++)
            {
                int p = random.Next(_mask.Length);
                _mask[p] = (byte)(255 - _mask[p]);
            }
        }

        _output = new byte[Size * Size];
        _image = zeros(3, Size, Size, ScalarType.Byte);
        _maskTensor = tensor(_mask, new long[] { Size, Size }, ScalarType.Byte);

        // Both methods must do the same work: compare their outputs once.
        long bfsKept = Bfs();
        byte[] bfsOutput = (byte[])_output.Clone();
        long runKept = RunBased();
        if (bfsKept != runKept || !bfsOutput.AsSpan().SequenceEqual(_output))
        {
            throw new InvalidOperationException($"the methods disagree: BFS kept {bfsKept}, runs kept {runKept}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _image?.Dispose();
        _maskTensor?.Dispose();
    }

    [Benchmark(Description = "runs + union-find")]
    public long RunBased()
    {
        ComponentRegion region = MaskComponents.LargestComponent(_mask, Size, Size, 128);
        Array.Clear(_output);
        region.Rasterize(_output, 0, 0, Size, Size, 1);
        return region.ComponentPixels + region.HolePixels;
    }

    [Benchmark(Baseline = true, Description = "BFS, Queue, 2D array")]
    public long Bfs()
    {
        var label = new int[Size, Size];
        int best = 0, bestSize = 0, next = 0;
        var queue = new Queue<(int Y, int X)>();
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                if (_mask[(y * Size) + x] <= 128 || label[y, x] != 0)
                {
                    continue;
                }

                int id = ++next, size = 0;
                label[y, x] = id;
                queue.Enqueue((y, x));
                while (queue.TryDequeue(out var p))
                {
                    size++;
                    for (int dy = -1; dy <= 1; dy++)
                    {
                        for (int dx = -1; dx <= 1; dx++)
                        {
                            int ny = p.Y + dy, nx = p.X + dx;
                            if (ny >= 0 && ny < Size && nx >= 0 && nx < Size && label[ny, nx] == 0 && _mask[(ny * Size) + nx] > 128)
                            {
                                label[ny, nx] = id;
                                queue.Enqueue((ny, nx));
                            }
                        }
                    }
                }

                if (size > bestSize)
                {
                    (best, bestSize) = (id, size);
                }
            }
        }

        // Background reachable from the border (4-connected) stays out; everything else is the filled object.
        var outside = new bool[Size, Size];
        void Seed(int y, int x)
        {
            if (!outside[y, x] && label[y, x] != best)
            {
                outside[y, x] = true;
                queue.Enqueue((y, x));
            }
        }

        for (int i = 0; i < Size; i++)
        {
            Seed(0, i);
            Seed(Size - 1, i);
            Seed(i, 0);
            Seed(i, Size - 1);
        }

        while (queue.TryDequeue(out var p))
        {
            foreach (var (dy, dx) in FourSteps)
            {
                int ny = p.Y + dy, nx = p.X + dx;
                if (ny >= 0 && ny < Size && nx >= 0 && nx < Size && !outside[ny, nx] && label[ny, nx] != best)
                {
                    outside[ny, nx] = true;
                    queue.Enqueue((ny, nx));
                }
            }
        }

        long kept = 0;
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                bool keep = !outside[y, x];
                _output[(y * Size) + x] = keep ? (byte)1 : (byte)0;
                kept += keep ? 1 : 0;
            }
        }

        return kept;
    }

    [Benchmark(Description = "InstancePostProcessor.Process (tensors in and out)")]
    public long Process()
    {
        using CutoutOutcome cutout = _processor.Process(_image!, _maskTensor!);
        return cutout.Pixels;
    }
}
