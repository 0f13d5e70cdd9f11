using BenchmarkDotNet.Attributes;
using XPaste.Augment;
using XPaste.Coco;
using XPaste.Imaging;
using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Benchmarks.Paste;

/// <summary>
/// The whole online path as a training loop meets it, per image, on one core: read the destination's JPEG from disk
/// and decode it, decode its objects' COCO RLE masks, large scale jitter to <see cref="Size"/>, plan with the X-Paste
/// policy (its defaults: 0-19 instances), paste, and hand out a batch of 8. The two methods differ only in the paste
/// step: the kernel on the whole batch, or the reference-style full-canvas paste per image.
/// <para>
/// Sixteen synthetic 640x480 destinations (COCO's usual size) with 8 objects each; the W1 pool of 200 RGBA instances
/// in memory (a warm bank cache). libtorch runs on one thread and the kernel's images one after the other, so
/// images/s is per core. Times are per image (<c>OperationsPerInvoke = 16</c>: two batches of 8).
/// </para>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet releases the fields in [GlobalCleanup].")]
public class OnlineThroughputBenchmarks
{
    private const int Images = 16;
    private const int Batch = 8;
    private readonly PasteKernel _kernel = new();
    private readonly XPastePolicy _policy = new();
    private InMemoryInstancePool _pool = null!;
    private string _folder = null!;
    private Rle[][] _masks = null!;
    private LargeScaleJitter _jitter = null!;
    private int _threads;

    /// <summary>Output side of the jittered images.</summary>
    [Params(640, 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _threads = get_num_threads();
        set_num_threads(1);
        var random = new PasteRandom(7);
        _pool = new InMemoryInstancePool();
        for (int i = 0; i < 200; i++)
        {
            int h = random.NextInt(32, 321), w = random.NextInt(32, 321);
            using var scope = NewDisposeScope();
            Tensor alpha = SyntheticShapes.Ellipse(h, w, (w - 1) / 2.0, (h - 1) / 2.0, w / 2.0, h / 2.0).to(ScalarType.Byte).mul(255).unsqueeze(0);
            _pool.Add($"inst{i}", 1 + (i % 50), cat([SyntheticShapes.Texture(3, h, w, random), alpha], 0).MoveToOuterDisposeScope());
        }

        _folder = Directory.CreateTempSubdirectory("xpaste-online-").FullName;
        _masks = new Rle[Images][];
        for (int i = 0; i < Images; i++)
        {
            using var scope = NewDisposeScope();
            // Smooth content, so the JPEG has the size and decoding cost of a photo rather than of noise.
            Tensor image = arange(480, ScalarType.Float32).view(1, -1, 1).mul(0.4).add(arange(640, ScalarType.Float32).view(1, 1, -1).mul(0.3))
                .add(tensor(new float[] { random.NextInt(256), random.NextInt(256), random.NextInt(256) }).view(3, 1, 1)).remainder(256).to(ScalarType.Byte);
            ImageIO.SaveJpeg(image, Path.Combine(_folder, $"{i}.jpg"), 90);
            _masks[i] = MaskCodec.Encode(stack([.. Enumerable.Range(0, 8).Select(_ => SyntheticShapes.Ellipse(480, 640, random.NextUniform(0, 640), random.NextUniform(0, 480), random.NextUniform(15, 120), random.NextUniform(15, 120)))], 0));
        }

        _jitter = new LargeScaleJitter(new LargeScaleJitterOptions { OutputWidth = Size, OutputHeight = Size });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        set_num_threads(_threads);
        _pool.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Decode, jitter, plan, then the kernel on each batch of 8.</summary>
    [Benchmark(OperationsPerInvoke = Images)]
    public int Kernel() => Run((destinations, pastes) =>
    {
        using PasteBatch batch = _kernel.Run(destinations, pastes);
        return batch.Targets.Sum(t => t.Count);
    });

    /// <summary>The same, with the reference-style full-canvas paste per image.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Images)]
    public int ReferenceStyle() => Run((destinations, pastes) =>
        destinations.Select((d, b) => ReferenceStylePaste.Run(d, pastes[b], _kernel.Options.AlphaThreshold)).Sum());

    private int Run(Func<AnnotatedImage[], PasteSource[][], int> paste)
    {
        int total = 0;
        var random = new PasteRandom(11);
        for (int start = 0; start < Images; start += Batch)
        {
            using var scope = NewDisposeScope();
            var destinations = new AnnotatedImage[Batch];
            var pastes = new PasteSource[Batch][];
            for (int b = 0; b < Batch; b++)
            {
                int i = start + b;
                Tensor pixels = ImageIO.Decode(File.ReadAllBytes(Path.Combine(_folder, $"{i}.jpg")), $"{i}.jpg");
                using var source = new AnnotatedImage($"{i}", pixels, MaskCodec.Decode(_masks[i], 480, 640), [.. Enumerable.Range(1, 8).Select(k => (long)k)]);
                destinations[b] = _jitter.Apply(source, _jitter.Plan(640, 480, random));
                IReadOnlyList<PasteStep> plan = _policy.Plan(new PasteContext(Size, Size, [], _pool), random);
                pastes[b] = [.. plan.Cast<InstancePasteStep>().Select(s => PasteSource.Instance(_pool.Load(s.Instance), s.CategoryId, s.X, s.Y, s.Width, s.Height, s.Flip))];
            }

            total += paste(destinations, pastes);
            foreach (AnnotatedImage d in destinations)
            {
                d.Dispose();
            }
        }

        return total;
    }
}
