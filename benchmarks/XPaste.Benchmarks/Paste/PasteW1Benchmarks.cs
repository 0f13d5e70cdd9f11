using BenchmarkDotNet.Attributes;
using XPaste.Augment;
using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Benchmarks.Paste;

/// <summary>
/// Workload W1: 8 destination images of 640x640 RGB, each with 8 existing objects; a pool of 200 RGBA instances of
/// 32-320 px; 10 pastes per image planned by the X-Paste policy; hard blending; the reference occlusion rule. Every
/// method produces the full outputs (images, and per image masks, boxes, labels, areas, pasted flags).
/// <para>
/// Times are per image (<c>OperationsPerInvoke = 8</c>), so images/s = 1 / mean. Allocated bytes count managed
/// memory only: TorchSharp's tensor memory is native and invisible to the MemoryDiagnoser.
/// Instance loading (PNG decoding) is excluded: the instances are in memory, as with a warm bank cache.
/// The floor copies into buffers allocated once, so it pays no page faults, while every real method allocates its
/// outputs. TorchSharp's intra-op thread count is libtorch's default (all cores).
/// </para>
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet releases the fields in [GlobalCleanup].")]
public class PasteW1Benchmarks
{
    private const int Images = 8;
    private const int Size = 640;
    private const int ExistingPerImage = 8;
    private const int PastesPerImage = 10;

    private static readonly PasteKernelOptions KernelOptions = new() { Blending = BlendMode.Hard, Occlusion = OcclusionRule.Reference };
    private readonly PasteKernel _kernel = new(KernelOptions);
    private readonly PasteKernel _tensorKernel = new(KernelOptions) { UseTensorPathOnCpu = true };
    private InMemoryInstancePool _pool = null!;
    private AnnotatedImage[] _destinations = null!;
    private PasteSource[][] _pastes = null!;
    private Tensor[] _instances = null!;

    // Floor buffers.
    private Tensor _floorImagesIn = null!, _floorImagesOut = null!, _floorMasksIn = null!, _floorMasksOut = null!, _floorInstancesIn = null!, _floorInstancesOut = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new PasteRandom(2024);
        _pool = new InMemoryInstancePool();
        for (int i = 0; i < 200; i++)
        {
            int h = random.NextInt(32, 321), w = random.NextInt(32, 321);
            using var scope = NewDisposeScope();
            Tensor rgb = SyntheticShapes.Texture(3, h, w, random);
            Tensor alpha = SyntheticShapes.Ellipse(h, w, (w - 1) / 2.0, (h - 1) / 2.0, w / 2.0, h / 2.0).to(ScalarType.Byte).mul(255).unsqueeze(0);
            _pool.Add($"inst{i}", 1 + (i % 50), cat([rgb, alpha], 0).MoveToOuterDisposeScope());
        }

        _destinations = new AnnotatedImage[Images];
        for (int b = 0; b < Images; b++)
        {
            using var scope = NewDisposeScope();
            var masks = new Tensor[ExistingPerImage];
            for (int k = 0; k < ExistingPerImage; k++)
            {
                masks[k] = SyntheticShapes.Ellipse(Size, Size, random.NextUniform(0, Size), random.NextUniform(0, Size), random.NextUniform(20, 160), random.NextUniform(20, 160));
            }

            Tensor image = SyntheticShapes.Texture(3, Size, Size, random);
            _destinations[b] = new AnnotatedImage($"d{b}", image.MoveToOuterDisposeScope(), stack(masks, 0).MoveToOuterDisposeScope(), [.. Enumerable.Range(1, ExistingPerImage).Select(i => (long)i)]);
        }

        // Plans from the X-Paste policy; more drawn than needed so rejected sizes still leave 10 per image.
        var policy = new XPastePolicy(new XPastePolicyOptions { MinCount = 16, MaxCount = 16, DefaultSizeMean = 0.15, DefaultSizeStd = 0.1 });
        var loaded = new Dictionary<int, Tensor>();
        _pastes = new PasteSource[Images][];
        for (int b = 0; b < Images; b++)
        {
            InstancePasteStep[] steps = [.. policy.Plan(new PasteContext(Size, Size, [], _pool), new PasteRandom((ulong)b)).Cast<InstancePasteStep>().Take(PastesPerImage)];
            if (steps.Length != PastesPerImage)
            {
                throw new InvalidOperationException("the plan has too few pastes");
            }

            _pastes[b] = [.. steps.Select(s =>
            {
                if (!loaded.TryGetValue(s.Instance, out Tensor? t))
                {
                    t = _pool.Load(s.Instance).DetachFromDisposeScope();
                    loaded.Add(s.Instance, t);
                }

                return PasteSource.Instance(t, s.CategoryId, s.X, s.Y, s.Width, s.Height, s.Flip);
            })];
        }

        _instances = [.. loaded.Values];

        // The floor reads every input byte once and writes every output byte once.
        long instanceBytes = _pastes.SelectMany(p => p).Sum(p => p.Pixels.NumberOfElements);
        _floorImagesIn = stack(_destinations.Select(d => d.Image), 0).DetachFromDisposeScope();
        _floorImagesOut = empty_like(_floorImagesIn).DetachFromDisposeScope();
        _floorMasksIn = stack(_destinations.Select(d => d.Masks), 0).DetachFromDisposeScope();
        _floorMasksOut = empty([Images, ExistingPerImage + PastesPerImage, Size, Size], ScalarType.Bool).DetachFromDisposeScope();
        _floorInstancesIn = zeros([instanceBytes], ScalarType.Byte).DetachFromDisposeScope();
        _floorInstancesOut = empty_like(_floorInstancesIn).DetachFromDisposeScope();
    }

    /// <summary>The destinations and their planned pastes, for the profile.</summary>
    internal (AnnotatedImage[] Destinations, PasteSource[][] Pastes) Workload => (_destinations, _pastes);

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_destinations is null)
        {
            return;
        }

        foreach (AnnotatedImage d in _destinations)
        {
            d.Dispose();
        }

        foreach (Tensor t in _instances)
        {
            t.Dispose();
        }

        _pool.Dispose();
        foreach (Tensor t in new[] { _floorImagesIn, _floorImagesOut, _floorMasksIn, _floorMasksOut, _floorInstancesIn, _floorInstancesOut })
        {
            t.Dispose();
        }

        _destinations = null!;
    }

    /// <summary>The batched, region-local kernel.</summary>
    [Benchmark(OperationsPerInvoke = Images)]
    public int Kernel()
    {
        using PasteBatch batch = _kernel.Run(_destinations, _pastes);
        return batch.Targets.Sum(t => t.Count);
    }

    /// <summary>The same kernel forced onto its tensor path (what runs on CUDA; on the CPU it was the kernel before the managed path).</summary>
    [Benchmark(OperationsPerInvoke = Images)]
    public int KernelTensorPath()
    {
        using PasteBatch batch = _tensorKernel.Run(_destinations, _pastes);
        return batch.Targets.Sum(t => t.Count);
    }

    /// <summary>
    /// What the reference does, in tensor form: per instance a full-size canvas, the composed mask subtracted from every
    /// earlier mask, every box recomputed from its full mask, the kept masks concatenated with the new one.
    /// </summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Images)]
    public int Reference()
    {
        int total = 0;
        for (int b = 0; b < Images; b++)
        {
            total += ReferenceStylePaste.Run(_destinations[b], _pastes[b], KernelOptions.AlphaThreshold);
        }

        return total;
    }

    /// <summary>Bandwidth floor: one copy of every byte the kernel must read (images, masks, instances) and write (images, masks).</summary>
    [Benchmark(OperationsPerInvoke = Images)]
    public long Floor()
    {
        _floorImagesOut.copy_(_floorImagesIn);
        _floorMasksOut.narrow(1, 0, ExistingPerImage).copy_(_floorMasksIn);
        _floorMasksOut.narrow(1, ExistingPerImage, PastesPerImage).zero_();
        _floorInstancesOut.copy_(_floorInstancesIn);
        return _floorMasksOut.shape[1];
    }
}
