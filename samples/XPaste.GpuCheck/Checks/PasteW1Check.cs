using XPaste.Benchmarks.Paste;
using XPaste.Augment;
using static TorchSharp.torch;

namespace XPaste.GpuCheck;

/// <summary>
/// Workload W1 (as in benchmarks/.../PasteW1Benchmarks: 640x640 images with 8 objects each, 10 X-Paste pastes per
/// image from a pool of 200 instances of 32-320 px, hard blending, the reference occlusion rule) at batch 8 and 64:
/// ms per image on the device against the same kernel on this machine's CPU, and how far the device's outputs are
/// from the CPU's (bilinear resizing may round a few values differently on CUDA).
/// </summary>
internal sealed class PasteW1Check : IGpuCheck
{
    public int Order => 50;

    public string Name => "Paste kernel W1";

    public IEnumerable<CheckRow> Run(CheckContext context)
    {
        var kernel = new PasteKernel(new PasteKernelOptions { Blending = BlendMode.Hard, Occlusion = OcclusionRule.Reference });
        foreach (int batch in new[] { 8, 64 })
        {
            using var scope = NewDisposeScope();
            (AnnotatedImage[] cpuDst, PasteSource[][] cpuPastes) = W1Workload.Build(batch, context.Cpu);
            int runs = batch == 8 ? 5 : 3;
            double cpuMs = context.MedianMilliseconds(runs, () => { using PasteBatch b = kernel.Run(cpuDst, cpuPastes); }) / batch;
            yield return new CheckRow(Name, $"batch {batch}, cpu ({get_num_threads()} threads)", Verdict.Info, $"{cpuMs:F2} ms/image");
            if (!context.IsCuda)
            {
                continue;
            }

            (AnnotatedImage[] dst, PasteSource[][] pastes) = W1Workload.Build(batch, context.Device);
            double deviceMs = context.MedianMilliseconds(runs, () => { using PasteBatch b = kernel.Run(dst, pastes); }) / batch;
            yield return new CheckRow(Name, $"batch {batch}, cuda", Verdict.Info, $"{deviceMs:F2} ms/image", Note: $"{cpuMs / deviceMs:F1}x the cpu's speed");

            using PasteBatch onCpu = kernel.Run(cpuDst, cpuPastes);
            using PasteBatch onDevice = kernel.Run(dst, pastes);
            long differing = onCpu.Images.ne(onDevice.Images.cpu()).sum().item<long>();
            int cpuObjects = onCpu.Targets.Sum(t => t.Count), deviceObjects = onDevice.Targets.Sum(t => t.Count);
            double fraction = (double)differing / onCpu.Images.NumberOfElements;
            yield return new CheckRow(Name, $"batch {batch}, cuda vs cpu outputs", fraction <= 1e-3 && Math.Abs(cpuObjects - deviceObjects) <= batch ? Verdict.Pass : Verdict.Fail,
                $"{fraction:P4} image bytes differ", "<= 0.1%, objects +-1/image", $"objects: cpu {cpuObjects}, cuda {deviceObjects}");
        }
    }
}

/// <summary>Builds W1 at any batch size on a device, deterministically (seeded), as the benchmark does.</summary>
internal static class W1Workload
{
    private const int Size = 640;

    public static (AnnotatedImage[] Destinations, PasteSource[][] Pastes) Build(int batch, Device device)
    {
        var random = new PasteRandom(2024);
        var pool = new InMemoryInstancePool();
        for (int i = 0; i < 200; i++)
        {
            int h = random.NextInt(32, 321), w = random.NextInt(32, 321);
            using var scope = NewDisposeScope();
            Tensor rgb = SyntheticShapes.Texture(3, h, w, random);
            Tensor alpha = SyntheticShapes.Ellipse(h, w, (w - 1) / 2.0, (h - 1) / 2.0, w / 2.0, h / 2.0).to(ScalarType.Byte).mul(255).unsqueeze(0);
            pool.Add($"inst{i}", 1 + (i % 50), cat([rgb, alpha], 0).MoveToOuterDisposeScope());
        }

        var destinations = new AnnotatedImage[batch];
        for (int b = 0; b < batch; b++)
        {
            Tensor[] masks = [.. Enumerable.Range(0, 8).Select(_ => SyntheticShapes.Ellipse(Size, Size, random.NextUniform(0, Size), random.NextUniform(0, Size), random.NextUniform(20, 160), random.NextUniform(20, 160)))];
            destinations[b] = new AnnotatedImage($"d{b}", SyntheticShapes.Texture(3, Size, Size, random).to(device), stack(masks, 0).to(device), [.. Enumerable.Range(1, 8).Select(i => (long)i)]);
        }

        var policy = new XPastePolicy(new XPastePolicyOptions { MinCount = 16, MaxCount = 16, DefaultSizeMean = 0.15, DefaultSizeStd = 0.1 });
        var loaded = new Dictionary<int, Tensor>();
        var pastes = new PasteSource[batch][];
        for (int b = 0; b < batch; b++)
        {
            InstancePasteStep[] steps = [.. policy.Plan(new PasteContext(Size, Size, [], pool), new PasteRandom((ulong)b)).Cast<InstancePasteStep>().Take(10)];
            pastes[b] = [.. steps.Select(s =>
            {
                if (!loaded.TryGetValue(s.Instance, out Tensor? t))
                {
                    // Instances already on the device, as a warm bank cache would hold them.
                    t = pool.Load(s.Instance).to(device);
                    loaded.Add(s.Instance, t);
                }

                return PasteSource.Instance(t, s.CategoryId, s.X, s.Y, s.Width, s.Height, s.Flip);
            })];
        }

        return (destinations, pastes);
    }
}
