using XPaste.Augment;
using static TorchSharp.torch;

namespace XPaste.Tests.Kernel;

/// <summary>
/// On the CPU, hard blending runs in managed code; the tensor path (what CUDA runs) must give the same outputs, for
/// both occlusion rules, both empty-object settings and both alpha thresholds, on random batches.
/// </summary>
public sealed class HostPathMatchesTensorPathTests
{
    [Theory]
    [InlineData(OcclusionRule.Reference, true, 0)]
    [InlineData(OcclusionRule.Reference, false, 128)]
    [InlineData(OcclusionRule.VisibleFraction, true, 128)]
    public void The_managed_cpu_path_equals_the_tensor_path(OcclusionRule rule, bool dropEmpty, int threshold)
    {
        var options = new PasteKernelOptions { Occlusion = rule, MaxBoxShift = 2, MinRemainingPixels = 120, MinVisibleFraction = 0.6, DropEmptyObjects = dropEmpty, AlphaThreshold = threshold };
        var host = new PasteKernel(options);
        var tensors = new PasteKernel(options) { UseTensorPathOnCpu = true };
        int objects = 0;
        for (int seed = 0; seed < 25; seed++)
        {
            using var scope = NewDisposeScope();
            var random = new PasteRandom((ulong)(seed + 500));
            int h = random.NextInt(16, 60), w = random.NextInt(16, 60);
            int batch = random.NextInt(1, 4);
            var destinations = new AnnotatedImage[batch];
            var pastes = new PasteSource[batch][];
            for (int b = 0; b < batch; b++)
            {
                destinations[b] = RandomDestination(random, h, w);
                pastes[b] = [.. Enumerable.Range(0, random.NextInt(0, 10)).Select(_ => RandomStep(random, h, w))];
            }

            using PasteBatch expected = tensors.Run(destinations, pastes);
            using PasteBatch actual = host.Run(destinations, pastes);
            Assert.Equal(T.ToBytes(expected.Images), T.ToBytes(actual.Images));
            for (int b = 0; b < batch; b++)
            {
                PasteTargets e = expected.Targets[b], a = actual.Targets[b];
                Assert.Equal(e.Count, a.Count);
                Assert.Equal(e.Masks.shape, a.Masks.shape);
                if (e.Count == 0)
                {
                    continue; // TorchSharp cannot read back an empty tensor
                }

                Assert.Equal(T.ToLongs(e.Labels), T.ToLongs(a.Labels));
                Assert.Equal(T.ToBools(e.IsPasted), T.ToBools(a.IsPasted));
                Assert.Equal(T.ToBools(e.Masks), T.ToBools(a.Masks));
                Assert.Equal(T.ToFloats(e.Boxes), T.ToFloats(a.Boxes));
                Assert.Equal(T.ToLongs(e.Areas), T.ToLongs(a.Areas));
                Assert.Equal(e.Boxes.dtype, a.Boxes.dtype);
                Assert.Equal(e.Areas.dtype, a.Areas.dtype);
                objects += a.Count;
            }

            foreach (AnnotatedImage d in destinations)
            {
                d.Dispose();
            }
        }

        Assert.True(objects > 100, $"only {objects} objects compared");
    }

    private static AnnotatedImage RandomDestination(PasteRandom random, int h, int w)
    {
        int n = random.NextInt(0, 7);
        var masks = new List<Tensor>();
        for (int i = 0; i < n; i++)
        {
            masks.Add(random.NextBool(0.5)
                ? SyntheticData.Ellipse(h, w, random.NextUniform(0, w), random.NextUniform(0, h), random.NextUniform(2, w / 2.0), random.NextUniform(2, h / 2.0))
                : T.Rect(h, w, random.NextInt(0, w / 2), random.NextInt(0, h / 2), random.NextInt(w / 2, w + 1), random.NextInt(h / 2, h + 1)));
        }

        // Small objects in the top-left corner, so fully covered ones within the box shift happen.
        if (n > 0 && random.NextBool(0.5))
        {
            masks[0] = T.Rect(h, w, 0, 0, random.NextInt(1, 4), random.NextInt(1, 4));
        }

        Tensor image = arange(3L * h * w, ScalarType.Int64).mul(random.NextInt(3, 200)).remainder(256).to(ScalarType.Byte).view(3, h, w);
        Tensor stacked = n == 0 ? zeros([0, h, w], ScalarType.Bool) : stack(masks, 0);
        return new AnnotatedImage("d", image, stacked, [.. Enumerable.Range(1, n).Select(i => (long)i)]);
    }

    private static PasteSource RandomStep(PasteRandom random, int h, int w)
    {
        if (random.NextBool(0.25))
        {
            int gh = random.NextInt(3, h), gw = random.NextInt(3, w), k = random.NextInt(1, 4);
            var groupMasks = Enumerable.Range(0, k).Select(_ => T.Rect(gh, gw, random.NextInt(0, gw / 2), random.NextInt(0, gh / 2), random.NextInt(gw / 2 + 1, gw + 1), random.NextInt(gh / 2 + 1, gh + 1))).ToArray();
            Tensor rgb = arange(3L * gh * gw, ScalarType.Int64).remainder(251).to(ScalarType.Byte).view(3, gh, gw);
            return PasteSource.Objects(rgb, stack(groupMasks, 0), [.. Enumerable.Range(0, k).Select(i => 100L + i)], random.NextInt(-gw / 2, w), random.NextInt(-gh / 2, h));
        }

        int ih = random.NextInt(2, 40), iw = random.NextInt(2, 40);
        var data = new byte[4 * ih * iw];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)random.NextInt(256);
        }

        // Some cut-outs with only 0 or 255 alpha, as the offline threshold leaves them.
        if (random.NextBool(0.5))
        {
            for (int i = 3 * ih * iw; i < data.Length; i++)
            {
                data[i] = data[i] > 100 ? (byte)255 : (byte)0;
            }
        }

        int th = random.NextInt(2, h + 10), tw = random.NextInt(2, w + 10);
        return PasteSource.Instance(T.Bytes(data, 4, ih, iw), 50 + random.NextInt(10), random.NextInt(-tw, w + 2), random.NextInt(-th, h + 2), tw, th, random.NextBool(0.5));
    }
}
