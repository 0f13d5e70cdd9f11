using XPaste.Augment;
using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Tests.Kernel;

/// <summary>
/// The region-local, batched kernel against a straightforward implementation of what the reference does (every paste
/// on a full-size canvas, every earlier mask and box recomputed in full), on many random cases.
/// </summary>
public sealed class KernelMatchesReferenceTests
{
    [Theory]
    [InlineData(OcclusionRule.Reference)]
    [InlineData(OcclusionRule.VisibleFraction)]
    public void The_kernel_gives_exactly_what_the_full_canvas_reference_gives(OcclusionRule rule)
    {
        // Small thresholds so that both branches of each rule happen on small images.
        var options = new PasteKernelOptions { Occlusion = rule, MaxBoxShift = 2, MinRemainingPixels = 120, MinVisibleFraction = 0.6 };
        var kernel = new PasteKernel(options);
        int dropped = 0, kept = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            using var scope = NewDisposeScope();
            var random = new PasteRandom((ulong)(seed + 100));
            int h = random.NextInt(20, 48), w = random.NextInt(20, 48);
            int batch = random.NextInt(1, 4);
            var destinations = new AnnotatedImage[batch];
            var pastes = new PasteSource[batch][];
            for (int b = 0; b < batch; b++)
            {
                destinations[b] = RandomDestination(random, h, w);
                pastes[b] = [.. Enumerable.Range(0, random.NextInt(0, 9)).Select(_ => RandomStep(random, h, w))];
            }

            using PasteBatch actual = kernel.Run(destinations, pastes);
            for (int b = 0; b < batch; b++)
            {
                (Tensor image, Tensor masks, Tensor boxes, long[] labels, bool[] pasted, int drops) = Reference(destinations[b], pastes[b], options);
                PasteTargets t = actual.Targets[b];
                T.AssertConsistent(t, h, w);
                Assert.Equal(T.ToBytes(image), T.ToBytes(actual.Images[b]));
                Assert.Equal(labels, T.ToLongs(t.Labels));
                Assert.Equal(pasted, T.ToBools(t.IsPasted));
                Assert.Equal(T.ToBools(masks), T.ToBools(t.Masks));
                Assert.Equal(T.ToFloats(boxes), T.ToFloats(t.Boxes));
                dropped += drops;
                kept += labels.Length;
            }

            foreach (AnnotatedImage d in destinations)
            {
                d.Dispose();
            }
        }

        // The cases exercise the rule both ways.
        Assert.True(dropped > 10, $"only {dropped} objects dropped");
        Assert.True(kept > 100, $"only {kept} objects kept");
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

        // One empty mask now and then: it must simply disappear.
        if (n > 0 && random.NextBool(0.2))
        {
            masks[0] = zeros([h, w], ScalarType.Bool);
        }

        Tensor image = arange(3L * h * w, ScalarType.Int64).mul(random.NextInt(3, 200)).remainder(256).to(ScalarType.Byte).view(3, h, w);
        Tensor stacked = n == 0 ? zeros([0, h, w], ScalarType.Bool) : stack(masks, 0);
        return new AnnotatedImage("d", image, stacked, [.. Enumerable.Range(1, n).Select(i => (long)i)]);
    }

    private static PasteSource RandomStep(PasteRandom random, int h, int w)
    {
        if (random.NextBool(0.25))
        {
            // A group of objects at their final size, like Simple Copy-Paste's.
            int gh = random.NextInt(3, h), gw = random.NextInt(3, w), k = random.NextInt(1, 4);
            var groupMasks = Enumerable.Range(0, k).Select(_ => T.Rect(gh, gw, random.NextInt(0, gw / 2), random.NextInt(0, gh / 2), random.NextInt(gw / 2 + 1, gw + 1), random.NextInt(gh / 2 + 1, gh + 1))).ToArray();
            Tensor rgb = full([3, gh, gw], (byte)random.NextInt(256), ScalarType.Byte);
            return PasteSource.Objects(rgb, stack(groupMasks, 0), [.. Enumerable.Range(0, k).Select(i => 100L + i)], random.NextInt(-gw / 2, w), random.NextInt(-gh / 2, h));
        }

        int ih = random.NextInt(2, 30), iw = random.NextInt(2, 30);
        var data = new byte[4 * ih * iw];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)random.NextInt(256);
        }

        int th = random.NextInt(2, h), tw = random.NextInt(2, w);
        return PasteSource.Instance(T.Bytes(data, 4, ih, iw), 50 + random.NextInt(10), random.NextInt(-tw / 2, w), random.NextInt(-th / 2, h), tw, th, random.NextBool(0.5));
    }

    /// <summary>The reference's algorithm, literally: full canvases, full-mask updates and full box recomputation.</summary>
    private static (Tensor Image, Tensor Masks, Tensor Boxes, long[] Labels, bool[] Pasted, int Drops) Reference(AnnotatedImage d, PasteSource[] steps, PasteKernelOptions o)
    {
        int h = d.Height, w = d.Width;
        Tensor image = d.Image.clone();
        var masks = new List<Tensor>();
        var labels = new List<long>();
        var pasted = new List<bool>();
        var startAreas = new List<long>();
        for (int i = 0; i < d.Labels.Count; i++)
        {
            long area = d.Masks[i].sum().item<long>();
            if (area > 0)
            {
                masks.Add(d.Masks[i]);
                labels.Add(d.Labels[i]);
                pasted.Add(false);
                startAreas.Add(area);
            }
        }

        int drops = 0;
        foreach (PasteSource s in steps)
        {
            Tensor canvas = zeros([3, h, w], ScalarType.Byte);
            Tensor objects = zeros([s.Labels.Count, h, w], ScalarType.Bool);
            Tensor pixels, objectMasks;
            if (s.IsInstance)
            {
                Tensor f = nn.functional.interpolate(s.Pixels.to(ScalarType.Float32).unsqueeze(0), [s.Height, s.Width], mode: InterpolationMode.Bilinear, align_corners: false);
                f = f.round().clamp(0, 255)[0];
                if (s.Flip)
                {
                    f = f.flip(2);
                }

                pixels = f.narrow(0, 0, 3).to(ScalarType.Byte);
                objectMasks = f[3].gt(o.AlphaThreshold).unsqueeze(0);
            }
            else
            {
                pixels = s.Pixels;
                objectMasks = s.Masks!;
            }

            int x0 = Math.Max(s.X, 0), y0 = Math.Max(s.Y, 0), x1 = Math.Min(s.X + s.Width, w), y1 = Math.Min(s.Y + s.Height, h);
            if (x1 <= x0 || y1 <= y0)
            {
                continue;
            }

            canvas.narrow(1, y0, y1 - y0).narrow(2, x0, x1 - x0).copy_(pixels.narrow(1, y0 - s.Y, y1 - y0).narrow(2, x0 - s.X, x1 - x0));
            objects.narrow(1, y0, y1 - y0).narrow(2, x0, x1 - x0).copy_(objectMasks.narrow(1, y0 - s.Y, y1 - y0).narrow(2, x0 - s.X, x1 - x0));
            Tensor union = objects.any(0);
            image = where(union, canvas, image);

            var nextMasks = new List<Tensor>();
            var nextLabels = new List<long>();
            var nextPasted = new List<bool>();
            var nextStart = new List<long>();
            for (int i = 0; i < masks.Count; i++)
            {
                Tensor updated = masks[i].logical_and(union.logical_not());
                long area = updated.sum().item<long>();
                float[] before = T.ToFloats(MaskBoxes.TightBoxes(masks[i].unsqueeze(0)).Boxes);
                float[] after = T.ToFloats(MaskBoxes.TightBoxes(updated.unsqueeze(0)).Boxes);
                bool keep = o.Occlusion == OcclusionRule.Reference
                    ? before.Zip(after).All(p => Math.Abs(p.First - p.Second) <= o.MaxBoxShift) || area > o.MinRemainingPixels
                    : area >= startAreas[i] * o.MinVisibleFraction;
                if (keep && area > 0)
                {
                    nextMasks.Add(updated);
                    nextLabels.Add(labels[i]);
                    nextPasted.Add(pasted[i]);
                    nextStart.Add(startAreas[i]);
                }
                else
                {
                    drops++;
                }
            }

            for (int k = 0; k < s.Labels.Count; k++)
            {
                long area = objects[k].sum().item<long>();
                if (area > 0)
                {
                    nextMasks.Add(objects[k]);
                    nextLabels.Add(s.Labels[k]);
                    nextPasted.Add(true);
                    nextStart.Add(area);
                }
            }

            (masks, labels, pasted, startAreas) = (nextMasks, nextLabels, nextPasted, nextStart);
        }

        Tensor all = masks.Count == 0 ? zeros([0, h, w], ScalarType.Bool) : stack(masks, 0);
        return (image, all, MaskBoxes.TightBoxes(all).Boxes, [.. labels], [.. pasted], drops);
    }
}
